#include "scep/key.hpp"

#include <optional>
#include <utility>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"
#include "scep/certificate.hpp"

namespace scep {

namespace {
using DecoderCtxPtr = ossl::Handle<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;
} // namespace

Result<PrivateKey> PrivateKey::generate_rsa(int bits) {
    if (bits != 2048 && bits != 3072 && bits != 4096) {
        return Error(ErrorCode::usage,
                     "RSA key size " + std::to_string(bits) + " is not supported (use 2048, 3072 or 4096)");
    }
    EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
    if (key == nullptr) return ossl::error(ErrorCode::internal, "RSA key generation failed");
    return PrivateKey(key);
}

namespace {

// keytype nullptr: every key type. Nothing when the data is not such a key.
std::optional<PrivateKey> decode_key(ByteView data, const std::optional<Secret>& passphrase, const char* keytype) {
    EVP_PKEY* key = nullptr;
    // One decoder for PEM and DER, every private key structure; the passphrase is only asked for
    // (and only used) when the key is encrypted.
    DecoderCtxPtr ctx(
        OSSL_DECODER_CTX_new_for_pkey(&key, nullptr, nullptr, keytype, EVP_PKEY_KEYPAIR, nullptr, nullptr));
    if (!ctx) return std::nullopt;
    if (passphrase) {
        OSSL_DECODER_CTX_set_passphrase(ctx.get(), reinterpret_cast<const unsigned char*>(passphrase->c_str()),
                                        passphrase->size());
    }
    const unsigned char* p = data.data();
    std::size_t len = data.size();
    const bool decoded = OSSL_DECODER_from_data(ctx.get(), &p, &len) == 1;
    PrivateKey owned(key); // frees a half-made key too
    if (!decoded || key == nullptr) return std::nullopt;
    return owned;
}

} // namespace

Result<PrivateKey> PrivateKey::load(ByteView data, const std::optional<Secret>& passphrase) {
    // SCEP keys are RSA: a decoder context for RSA alone costs about 30% fewer instructions than one
    // for every type (callgrind). Any other key is decoded again only to name its type in the error.
    std::optional<PrivateKey> decoded = decode_key(data, passphrase, "RSA");
    if (!decoded) {
        ERR_clear_error();
        decoded = decode_key(data, passphrase, nullptr);
    }
    if (!decoded) {
        return ossl::error(ErrorCode::file, passphrase ? "cannot read the private key (wrong passphrase, or not a key)"
                                                       : "cannot read the private key (not a PEM/DER key, or it is "
                                                         "encrypted: give its passphrase with --key-pass-file)");
    }
    const EVP_PKEY* key = decoded->native();
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        return Error(ErrorCode::usage, std::string("the private key is ") + EVP_PKEY_get0_type_name(key) +
                                           ", but SCEP needs RSA: the server encrypts its reply to this key");
    }
    return std::move(*decoded);
}

int PrivateKey::bits() const {
    return EVP_PKEY_get_bits(m_key.get());
}

Bytes PrivateKey::public_key_der() const {
    unsigned char* out = nullptr;
    const int len = i2d_PUBKEY(m_key.get(), &out);
    if (len <= 0) return {};
    Bytes der(out, out + len);
    OPENSSL_free(out);
    return der;
}

Result<std::string> PrivateKey::to_pem(const std::optional<Secret>& passphrase) const {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    const EVP_CIPHER* cipher = passphrase ? EVP_aes_256_cbc() : nullptr;
    const auto* pass = passphrase ? reinterpret_cast<const char*>(passphrase->c_str()) : nullptr;
    if (!bio ||
        PEM_write_bio_PKCS8PrivateKey(bio.get(), m_key.get(), cipher, pass,
                                      passphrase ? static_cast<int>(passphrase->size()) : 0, nullptr, nullptr) != 1) {
        return ossl::error(ErrorCode::internal, "cannot encode the private key");
    }
    return ossl::mem_bio_string(bio.get());
}

bool PrivateKey::matches(const Certificate& cert) const {
    return EVP_PKEY_eq(X509_get0_pubkey(cert.native()), m_key.get()) == 1;
}

} // namespace scep
