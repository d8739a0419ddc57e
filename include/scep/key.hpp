// A private key: generated here or loaded from the user's file. SCEP needs RSA: the server
// encrypts its reply to our key (RFC 8894 §3.1 key transport).
#pragma once

#include <optional>
#include <string>

#include <openssl/types.h>
#include <openssl/evp.h>

#include "ossl/shared.hpp"
#include "scep/util.hpp"

namespace scep {

class PrivateKey {
  public:
    static Result<PrivateKey> generate_rsa(int bits);
    // PEM (PKCS#8, encrypted PKCS#8 or traditional RSA) or DER. A passphrase is used only if
    // the key is encrypted. Non-RSA keys are refused with a message saying why.
    static Result<PrivateKey> load(ByteView data, const std::optional<Secret>& passphrase);

    explicit PrivateKey(EVP_PKEY* key) noexcept : m_key(key) {} // takes ownership

    EVP_PKEY* native() const { return m_key.get(); }
    int bits() const;
    Bytes public_key_der() const; // SubjectPublicKeyInfo
    // PKCS#8 PEM, encrypted with AES-256-CBC when a passphrase is given.
    Result<std::string> to_pem(const std::optional<Secret>& passphrase) const;
    bool matches(const class Certificate& cert) const;

  private:
    ossl::Shared<EVP_PKEY, EVP_PKEY_up_ref, EVP_PKEY_free> m_key;
};

} // namespace scep
