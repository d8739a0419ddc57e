// The key a user names (--key) and the key file a new key becomes: key files and TPM key blobs
// are read and written here, PKCS#11 PIN files (pin-source) read here; the key itself is loaded
// by the protocol layer's key stores (include/scep/key_store.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "scep/key.hpp"
#include "scep/key_store.hpp"
#include "store/atomic_file.hpp"
#include "store/formats.hpp"
#include "util/result.hpp"
#include "util/secret.hpp"

namespace store {

// Loads the key `reference` names: a path (a key file, or a TPM key blob, told apart by content;
// read as a regular file, never through a link), "handle:0x81000001", or a PKCS#11 URI. `secret`:
// the key file's passphrase, the TPM key's authorization value, or the token's PIN (one login
// attempt); for a URI without it, its pin-source file's first line is the PIN.
util::Result<scep::PrivateKey> load_key(std::string_view reference, const std::optional<util::Secret>& secret,
                                        const scep::KeyStoreOptions& options);

// Writes `key` to `path` (mode 0600, atomically, store::write_file_atomic) as encode_key makes it:
// a file key as PKCS#8, a TPM key as its TSS2 key blob. Returns the key naming `path` as its
// location. A PKCS#11 key or a key at a TPM handle has no file: usage error.
util::Result<scep::PrivateKey> write_key_file(const std::filesystem::path& path, const scep::PrivateKey& key,
                                              Format format, const std::optional<util::Secret>& passphrase,
                                              Overwrite overwrite);

} // namespace store
