// A private key: generated here, loaded from the user's file, or held by hardware (a TPM 2.0 or a
// PKCS#11 token, key_store.hpp) that signs and decrypts with it but never gives it out. SCEP needs
// RSA: the server encrypts its reply to our key (RFC 8894 §3.1 key transport).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <openssl/types.h>
#include <openssl/evp.h>

#include "ossl/shared.hpp"
#include "scep/util.hpp"

namespace scep {

// Where a key lives.
enum class KeyStore { file, tpm2, pkcs11 };
std::string to_string(KeyStore store); // "file", "tpm2", "pkcs11"
std::optional<KeyStore> parse_key_store(std::string_view name);

// Where a key lives, as JSON and messages may show it: never a PIN or a passphrase.
struct KeyLocation {
    KeyStore store = KeyStore::file;
    // file: its path (empty for a key made in memory); tpm2: the key blob's path (empty until it
    // is written) or "handle:0x81000001"; pkcs11: the RFC 7512 URI without pin-value/pin-source.
    std::string reference;
};

namespace detail {
struct KeyPlace;
struct KeyState;
} // namespace detail

class PrivateKey {
  public:
    // A file key (KeyStore::file), made in memory.
    static Result<PrivateKey> generate_rsa(int bits);
    // PEM (PKCS#8, encrypted PKCS#8 or traditional RSA) or DER. A passphrase is used only if
    // the key is encrypted. Non-RSA keys are refused with a message saying why.
    static Result<PrivateKey> load(ByteView data, const std::optional<Secret>& passphrase);

    explicit PrivateKey(EVP_PKEY* key) noexcept : m_key(key), m_public(m_key) {} // a file key; takes ownership
    explicit PrivateKey(detail::KeyState&& state);                               // a key_store backend's

    // The key that signs and decrypts: for a hardware key an object of its provider or engine,
    // to be used with libctx() and propq() (file and engine keys: the defaults, null).
    EVP_PKEY* native() const;
    OSSL_LIB_CTX* libctx() const;
    const char* propq() const;
    // The public half in the default library context: for certificates, comparisons, encodings.
    EVP_PKEY* public_key() const;

    int bits() const;
    Bytes public_key_der() const; // SubjectPublicKeyInfo
    bool matches(const class Certificate& cert) const;

    KeyStore store() const;
    const KeyLocation& location() const;
    // The same key, its location naming `reference` (the path the caller wrote its file to).
    PrivateKey with_reference(std::string reference) const;
    // The TSS2 PRIVATE KEY PEM of a TPM key made here or loaded from a blob (what its key file
    // holds: only this TPM can load it); empty for every other key.
    const Bytes& tpm2_blob() const;

    // PKCS#8 PEM, encrypted with AES-256-CBC when a passphrase is given. Only for file keys: a
    // hardware key never leaves its TPM or token.
    Result<std::string> to_pem(const std::optional<Secret>& passphrase) const;

  private:
    using SharedPkey = ossl::Shared<EVP_PKEY, EVP_PKEY_up_ref, EVP_PKEY_free>;
    // Declared first, destroyed last: it keeps a hardware key's provider or engine loaded until
    // the key objects below are freed. Null for a file key.
    std::shared_ptr<const detail::KeyPlace> m_place;
    SharedPkey m_key;
    SharedPkey m_public; // a file key: the same object as m_key
};

} // namespace scep
