// Keys that never leave hardware: a TPM 2.0 (through Debian's tpm2-openssl provider) and PKCS#11
// tokens (through libengine-pkcs11-openssl), beside key files. One entry point loads the key a
// user names (--key), one makes a new key in a store, one makes a renewal's replacement in the
// store of the key it replaces. Every key they return signs and decrypts through the protocol
// code (build_csr, make_self_signed_signer, build_pki_message, open_envelope) unchanged.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "scep/key.hpp"
#include "scep/util.hpp"

namespace scep {

// The p11-kit proxy: every PKCS#11 module the system configured (p11-kit(8)).
extern const char* const k_default_pkcs11_module;
// The kernel's TPM resource manager.
extern const char* const k_default_tpm2_tcti;

// How to reach the hardware (--tpm2-tcti, --pkcs11-module).
struct KeyStoreOptions {
    // A TCTI configuration as tpm2-tools takes it: "device:/dev/tpmrm0", "tabrmd:",
    // "swtpm:host=127.0.0.1,port=2321". Empty: TPM2OPENSSL_TCTI from the environment, else
    // k_default_tpm2_tcti. One TPM per process.
    std::string tpm2_tcti;
    // Empty: k_default_pkcs11_module. One module per process.
    std::string pkcs11_module;
};

// A key as the user names it (--key).
struct KeyReference {
    enum class Kind {
        path,        // a key file or a TPM key blob ("TSS2 PRIVATE KEY" PEM): its content decides
        tpm2_handle, // "handle:0x81000001", a persistent TPM key
        pkcs11_uri,  // "pkcs11:token=device;object=scep-key;type=private" (RFC 7512)
    };
    Kind kind = Kind::path;
    std::string text; // as given
};
// Usage error for a handle: or pkcs11: reference that cannot be one.
Result<KeyReference> parse_key_reference(std::string_view text);

// A "TSS2 PRIVATE KEY" PEM (a key blob only the TPM that made it can load).
bool is_tss2_key_blob(ByteView data);

// The file a PKCS#11 URI's pin-source names ("file:" prefix removed), if it has one: the caller
// reads it (store::load_key does) and passes its first line as the PIN.
Result<std::optional<std::string>> pkcs11_pin_source(std::string_view uri);

// Loads the key `ref` names; for Kind::path, `file_data` is the file's content (read by the
// caller). `secret`: for a key file its passphrase; for a TPM key its authorization value (keys
// made by scepctl have none); for a PKCS#11 key the token's user PIN (without it, pin-value in the
// URI), tried exactly once: a wrong PIN is never retried, tokens lock after a few.
Result<PrivateKey> load_key(const KeyReference& ref, ByteView file_data, const std::optional<Secret>& secret,
                            const KeyStoreOptions& options);

// Where generate_key makes a key.
struct KeyGenTarget {
    KeyStore store = KeyStore::file;
    // pkcs11: the token (a URI; its object attributes are ignored) and the new key pair's
    // CKA_LABEL (empty: "scepctl-" and the UTC time). Its CKA_ID is 16 random bytes.
    std::string pkcs11_token;
    std::string pkcs11_label;
};

// A new RSA key: file -> in memory (written by the caller, store::encode_key); tpm2 -> made inside
// the TPM, its blob in tpm2_blob() (written by the caller as the key file, 0600); pkcs11 -> a new
// key pair on the token (private, sensitive, never extractable), logged in with `secret` once.
Result<PrivateKey> generate_key(const KeyGenTarget& target, int bits, const std::optional<Secret>& secret,
                                const KeyStoreOptions& options);

// A renewal's new key, in the store of the key it replaces: tpm2 -> tpm2 (same TPM), pkcs11 -> a
// new object on the same token with a new label and id (the old label and the UTC time), file ->
// file. `secret` as for load_key (the token's PIN for pkcs11).
Result<PrivateKey> generate_replacement(const PrivateKey& old_key, int bits, const std::optional<Secret>& secret,
                                        const KeyStoreOptions& options);

// A renewal on a token hands the old key's name to the new key, so that the URI that named the
// old key (object=LABEL) names the new one: the old pair (private and public key objects) becomes
// LABEL.bak, replacing an older LABEL.bak pair (deleted, as KEY.bak replaces an older KEY.bak), then
// the new pair takes LABEL. Each pair is found by its label and CKA_ID, so the steps can be run
// again after an interruption and do nothing twice. CKA_IDs do not move.
struct TokenHandover {
    std::string old_key; // the old pair: token, object=LABEL, id (a URI, never a PIN)
    std::string new_key; // the new pair under its first label, id
    // As one text (two lines), for the record renew keeps while the handover is under way.
    std::string to_text() const;
    static Result<TokenHandover> parse(std::string_view text);
    // The new key by its id alone: found before and after its label moves.
    Result<std::string> new_key_by_id() const;
};
// What handing `old_key`'s name to `new_key` needs (both on the same token, loaded by load_key or
// generate_replacement); nullopt when the old key's URI does not name it by label alone (an id= in
// it would still name the old pair: the caller says so). Logs in with `pin` unless the ENGINE has.
Result<std::optional<TokenHandover>> plan_token_handover(const PrivateKey& old_key, const PrivateKey& new_key,
                                                         const std::optional<Secret>& pin,
                                                         const KeyStoreOptions& options);
Result<void> hand_over_token_label(const TokenHandover& handover, const std::optional<Secret>& pin,
                                   const KeyStoreOptions& options);

} // namespace scep
