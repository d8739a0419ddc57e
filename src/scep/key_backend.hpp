// One backend per key store (include/scep/key_store.hpp): each loads the keys it holds and makes
// new ones. A later route to a store (PKCS#11 through a provider, say) is one more backend.
#pragma once

#include <memory>
#include <optional>

#include "scep/key_store.hpp"

namespace scep::detail {

class KeyBackend {
  public:
    virtual ~KeyBackend() = default;
    virtual KeyStore store() const = 0;
    virtual Result<PrivateKey> load(const KeyReference& ref, ByteView file_data,
                                    const std::optional<Secret>& secret) = 0;
    virtual Result<PrivateKey> generate_rsa(int bits, const KeyGenTarget& target,
                                            const std::optional<Secret>& secret) = 0;
};

std::unique_ptr<KeyBackend> make_file_backend();
// tpm2-openssl in a library context of our own (key_tpm2.cpp).
std::unique_ptr<KeyBackend> make_tpm2_backend(const KeyStoreOptions& options);
// libp11's ENGINE "pkcs11" (key_pkcs11_engine.cpp).
std::unique_ptr<KeyBackend> make_pkcs11_engine_backend(const KeyStoreOptions& options);

// The new label of a renewal's key on a token: the old label (or "scepctl") and the UTC time.
std::string replacement_label(std::string_view old_label);

} // namespace scep::detail
