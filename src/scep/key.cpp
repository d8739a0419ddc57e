// d2i_RSAPrivateKey and EVP_PKEY_assign_RSA are deprecated in OpenSSL 3.0 but kept in 3.x: they are
// the direct way to read a plain RSA key (load_rsa_direct says why that matters).
#define OPENSSL_SUPPRESS_DEPRECATED // before any OpenSSL header

#include "scep/key.hpp"

#include <optional>
#include <string_view>
#include <utility>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"
#include "scep/certificate.hpp"
#include "scep/key_state.hpp"

namespace scep {

namespace {
using DecoderCtxPtr = ossl::Handle<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;

// A file key: the key is its own public half, in the default library context.
PrivateKey file_key(ossl::EvpPkeyPtr key) {
    return PrivateKey(key.release());
}

const KeyLocation k_file_in_memory{};
const Bytes k_no_blob{};
} // namespace

std::string to_string(KeyStore store) {
    switch (store) {
    case KeyStore::file: return "file";
    case KeyStore::tpm2: return "tpm2";
    case KeyStore::pkcs11: return "pkcs11";
    }
    return "unknown";
}

std::optional<KeyStore> parse_key_store(std::string_view name) {
    if (name == "file") return KeyStore::file;
    if (name == "tpm2") return KeyStore::tpm2;
    if (name == "pkcs11") return KeyStore::pkcs11;
    return std::nullopt;
}

namespace detail {

Result<ossl::EvpPkeyPtr> public_copy(EVP_PKEY* key) {
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(key, &der);
    if (len <= 0) return ossl::error(ErrorCode::internal, "cannot encode the key's public half");
    const unsigned char* p = der;
    ossl::EvpPkeyPtr copy(d2i_PUBKEY(nullptr, &p, len));
    OPENSSL_free(der);
    if (!copy) return ossl::error(ErrorCode::internal, "cannot decode the key's public half");
    return copy;
}

Result<MdCtxPtr> sign_context(const PrivateKey& key, const EVP_MD* md) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, EVP_MD_get0_name(md), key.libctx(), key.propq(), key.native(),
                                      nullptr) != 1) {
        return ossl::error(ErrorCode::internal, "cannot sign with the " + to_string(key.store()) + " key");
    }
    return ctx;
}

Result<void> require_rsa(const EVP_PKEY* key, const std::string& where) {
    if (EVP_PKEY_is_a(key, "RSA") == 1) return {};
    const char* type = EVP_PKEY_get0_type_name(key);
    return Error(ErrorCode::usage, where + " is " + (type != nullptr ? type : "not an RSA key") +
                                       ", but SCEP needs RSA: the server encrypts its reply to this key")
        .with_fix("use an RSA key (2048, 3072 or 4096 bits)");
}

Result<KeyState> hardware_key_state(ossl::EvpPkeyPtr key, KeyPlace place, const std::string& where) {
    SCEP_TRY_VOID(require_rsa(key.get(), where));
    SCEP_TRY(ossl::EvpPkeyPtr public_key, public_copy(key.get()));
    return KeyState{std::move(place), std::move(key), std::move(public_key)};
}

} // namespace detail

Result<PrivateKey> PrivateKey::generate_rsa(int bits) {
    if (bits != 2048 && bits != 3072 && bits != 4096) {
        return Error(ErrorCode::usage,
                     "RSA key size " + std::to_string(bits) + " is not supported (use 2048, 3072 or 4096)");
    }
    ossl::EvpPkeyPtr key(EVP_RSA_gen(static_cast<unsigned int>(bits)));
    if (!key) return ossl::error(ErrorCode::internal, "RSA key generation failed");
    return file_key(std::move(key));
}

namespace {

// keytype nullptr: every key type. Nothing when the data is not such a key.
ossl::EvpPkeyPtr decode_key(ByteView data, const std::optional<Secret>& passphrase, const char* keytype) {
    EVP_PKEY* key = nullptr;
    // One decoder for PEM and DER, every private key structure; the passphrase is only asked for
    // (and only used) when the key is encrypted.
    DecoderCtxPtr ctx(
        OSSL_DECODER_CTX_new_for_pkey(&key, nullptr, nullptr, keytype, EVP_PKEY_KEYPAIR, nullptr, nullptr));
    if (!ctx) return nullptr;
    if (passphrase) {
        OSSL_DECODER_CTX_set_passphrase(ctx.get(), reinterpret_cast<const unsigned char*>(passphrase->c_str()),
                                        passphrase->size());
    }
    const unsigned char* p = data.data();
    std::size_t len = data.size();
    const bool decoded = OSSL_DECODER_from_data(ctx.get(), &p, &len) == 1;
    ossl::EvpPkeyPtr owned(key); // frees a half-made key too
    if (!decoded) return nullptr;
    return owned;
}

using RsaPtr = ossl::Handle<RSA, RSA_free>;
using Pkcs8Ptr = ossl::Handle<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;

// PKCS#1 RSAPrivateKey DER, all of it.
ossl::EvpPkeyPtr rsa_from_pkcs1(const unsigned char* der, long len) {
    const unsigned char* p = der;
    RsaPtr rsa(d2i_RSAPrivateKey(nullptr, &p, len));
    if (!rsa || p != der + len) return nullptr;
    ossl::EvpPkeyPtr key(EVP_PKEY_new());
    if (!key || EVP_PKEY_assign_RSA(key.get(), rsa.get()) != 1) return nullptr;
    rsa.release(); // owned by key now
    return key;
}

// Unencrypted PKCS#8 PrivateKeyInfo DER holding an rsaEncryption key, all of it.
ossl::EvpPkeyPtr rsa_from_pkcs8(const unsigned char* der, long len) {
    const unsigned char* p = der;
    Pkcs8Ptr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, len));
    const ASN1_OBJECT* algorithm = nullptr;
    const unsigned char* inner = nullptr;
    int inner_len = 0;
    if (!info || p != der + len || PKCS8_pkey_get0(&algorithm, &inner, &inner_len, nullptr, info.get()) != 1 ||
        OBJ_obj2nid(algorithm) != NID_rsaEncryption) {
        return nullptr;
    }
    return rsa_from_pkcs1(inner, inner_len);
}

// The first PEM block when it is an unencrypted "RSA PRIVATE KEY" or "PRIVATE KEY".
ossl::EvpPkeyPtr rsa_from_pem(ByteView data) {
    ossl::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* der = nullptr;
    long len = 0;
    if (!bio || PEM_read_bio(bio.get(), &name, &header, &der, &len) != 1) return nullptr;
    ossl::EvpPkeyPtr key;
    const std::string_view label(name);
    if (*header == '\0') { // a header is "Proc-Type: 4,ENCRYPTED": the general decoder asks for the passphrase
        if (label == PEM_STRING_RSA) key = rsa_from_pkcs1(der, len);
        if (label == PEM_STRING_PKCS8INF) key = rsa_from_pkcs8(der, len);
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_clear_free(der, static_cast<std::size_t>(len));
    return key;
}

// The common forms of an RSA key (PEM or DER, PKCS#1 or unencrypted PKCS#8) read by their own d2i
// functions; nothing for any other form, which the general decoder then reads. That decoder
// (OSSL_DECODER) first collects every decoder of every provider: about 7 M instructions per key
// (callgrind), more than the key's parse. And the key it makes is provider-native, which
// X509_REQ_set_pubkey and X509_set_pubkey re-encode through OSSL_ENCODER and decode again (about
// 5 M each); for a key made from an RSA object they encode it directly.
ossl::EvpPkeyPtr load_rsa_direct(ByteView data) {
    if (data.size() > (1U << 20)) return nullptr;
    ERR_set_mark();
    ossl::EvpPkeyPtr key;
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    if (text.find("-----BEGIN ") != std::string_view::npos) {
        key = rsa_from_pem(data);
    } else {
        key = rsa_from_pkcs8(data.data(), static_cast<long>(data.size()));
        if (!key) key = rsa_from_pkcs1(data.data(), static_cast<long>(data.size()));
    }
    ERR_pop_to_mark(); // a form that did not match is not an error
    return key;
}

} // namespace

Result<PrivateKey> PrivateKey::load(ByteView data, const std::optional<Secret>& passphrase) {
    if (ossl::EvpPkeyPtr direct = load_rsa_direct(data)) return file_key(std::move(direct));
    // SCEP keys are RSA: a decoder context for RSA alone costs about 30% fewer instructions than one
    // for every type (callgrind). Any other key is decoded again only to name its type in the error.
    ossl::EvpPkeyPtr decoded = decode_key(data, passphrase, "RSA");
    if (!decoded) {
        ERR_clear_error();
        decoded = decode_key(data, passphrase, nullptr);
    }
    if (!decoded) {
        return ossl::error(ErrorCode::file, passphrase ? "cannot read the private key (wrong passphrase, or not a key)"
                                                       : "cannot read the private key (not a PEM/DER key, or it is "
                                                         "encrypted: give its passphrase with --key-pass-file)");
    }
    SCEP_TRY_VOID(detail::require_rsa(decoded.get(), "the private key"));
    return file_key(std::move(decoded));
}

PrivateKey::PrivateKey(detail::KeyState&& state)
    : m_place(std::make_shared<const detail::KeyPlace>(std::move(state.place))), m_key(state.key.release()),
      m_public(state.public_key.release()) {}

EVP_PKEY* PrivateKey::native() const {
    return m_key.get();
}

OSSL_LIB_CTX* PrivateKey::libctx() const {
    return m_place ? m_place->libctx : nullptr;
}

const char* PrivateKey::propq() const {
    return m_place && !m_place->propq.empty() ? m_place->propq.c_str() : nullptr;
}

EVP_PKEY* PrivateKey::public_key() const {
    return m_public.get();
}

int PrivateKey::bits() const {
    return EVP_PKEY_get_bits(public_key());
}

Bytes PrivateKey::public_key_der() const {
    return ossl::to_der(public_key(), i2d_PUBKEY);
}

bool PrivateKey::matches(const Certificate& cert) const {
    return EVP_PKEY_eq(X509_get0_pubkey(cert.native()), public_key()) == 1;
}

KeyStore PrivateKey::store() const {
    return location().store;
}

const KeyLocation& PrivateKey::location() const {
    return m_place ? m_place->location : k_file_in_memory;
}

PrivateKey PrivateKey::with_reference(std::string reference) const {
    PrivateKey copy(*this);
    detail::KeyPlace place = m_place ? *m_place : detail::KeyPlace{};
    place.location.reference = std::move(reference);
    copy.m_place = std::make_shared<const detail::KeyPlace>(std::move(place));
    return copy;
}

const Bytes& PrivateKey::tpm2_blob() const {
    return m_place ? m_place->tpm2_blob : k_no_blob;
}

Result<std::string> PrivateKey::to_pem(const std::optional<Secret>& passphrase) const {
    if (store() != KeyStore::file) {
        return Error(ErrorCode::usage, "the key is held by " +
                                           std::string(store() == KeyStore::tpm2 ? "the TPM" : "a PKCS#11 token") +
                                           " and cannot be written out (that is the point of keeping it there)");
    }
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    const EVP_CIPHER* cipher = passphrase ? EVP_aes_256_cbc() : nullptr;
    const auto* pass = passphrase ? reinterpret_cast<const char*>(passphrase->c_str()) : nullptr;
    if (!bio ||
        PEM_write_bio_PKCS8PrivateKey(bio.get(), native(), cipher, pass,
                                      passphrase ? static_cast<int>(passphrase->size()) : 0, nullptr, nullptr) != 1) {
        return ossl::error(ErrorCode::internal, "cannot encode the private key");
    }
    return ossl::mem_bio_string(bio.get());
}

} // namespace scep
