#include "store/formats.hpp"

#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"

namespace store {

using util::Bytes;
using util::Error;
using util::ErrorCode;

std::optional<Format> parse_format(std::string_view name) {
    if (name == "pem") return Format::pem;
    if (name == "der") return Format::der;
    if (name == "p12") return Format::p12;
    return std::nullopt;
}

std::string to_string(Format format) {
    switch (format) {
    case Format::pem: return "pem";
    case Format::der: return "der";
    case Format::p12: return "p12";
    }
    return "unknown";
}

namespace {

// A hardware key never leaves its TPM or token: its key file, when it has one, is the TPM's key
// blob, which only that TPM can load.
util::Result<Bytes> encode_hardware_key(const scep::PrivateKey& key, Format format,
                                        const std::optional<util::Secret>& passphrase) {
    const std::string where = key.location().reference;
    if (key.store() == scep::KeyStore::pkcs11) {
        return Error(ErrorCode::usage, "the key stays on its PKCS#11 token (" + where +
                                           "): there is no key file to "
                                           "write");
    }
    if (key.tpm2_blob().empty()) {
        return Error(ErrorCode::usage, "the TPM key " + where + " stays in the TPM: there is no key file to write");
    }
    if (format != Format::pem) {
        return Error(ErrorCode::usage, "a TPM key is written as its TSS2 key blob (PEM), not as " + to_string(format))
            .with_fix("use --key-format pem, or a file key for a PKCS#12 bundle");
    }
    if (passphrase) {
        return Error(ErrorCode::usage, "a TPM key blob is not encrypted with a passphrase: the TPM protects it")
            .with_fix("leave out the key passphrase for a TPM key");
    }
    return key.tpm2_blob();
}

} // namespace

util::Result<Bytes> encode_key(const scep::PrivateKey& key, Format format,
                               const std::optional<util::Secret>& passphrase) {
    if (key.store() != scep::KeyStore::file) return encode_hardware_key(key, format, passphrase);
    if (format != Format::der) {
        SCEP_TRY(const std::string pem, key.to_pem(passphrase));
        return Bytes(pem.begin(), pem.end());
    }
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    const EVP_CIPHER* cipher = passphrase ? EVP_aes_256_cbc() : nullptr;
    if (!bio || i2d_PKCS8PrivateKey_bio(bio.get(), key.native(), cipher, passphrase ? passphrase->c_str() : nullptr,
                                        passphrase ? static_cast<int>(passphrase->size()) : 0, nullptr, nullptr) != 1) {
        return ossl::error(ErrorCode::internal, "cannot encode the private key as DER");
    }
    return ossl::mem_bio_bytes(bio.get());
}

util::Result<Bytes> encode_certificate(const scep::Certificate& cert, Format format) {
    if (format == Format::der) {
        Bytes der = cert.der();
        if (der.empty()) return ossl::error(ErrorCode::internal, "cannot encode the certificate as DER");
        return der;
    }
    const std::string pem = cert.pem();
    if (pem.empty()) return ossl::error(ErrorCode::internal, "cannot encode the certificate as PEM");
    return Bytes(pem.begin(), pem.end());
}

util::Result<Bytes> encode_chain(const std::vector<scep::Certificate>& certs, Format format) {
    if (format != Format::der) {
        Bytes pem;
        for (const auto& cert : certs) {
            SCEP_TRY(const Bytes one, encode_certificate(cert, Format::pem));
            pem.insert(pem.end(), one.begin(), one.end());
        }
        return pem;
    }
    // Certs-only SignedData (RFC 2315 §9.1, RFC 8894 §3.4): version 1, no digest algorithms, no
    // signers, content type data without content. Built as `openssl crl2pkcs7 -nocrl` does.
    ossl::Pkcs7Ptr p7(PKCS7_new());
    if (!p7 || PKCS7_set_type(p7.get(), NID_pkcs7_signed) != 1 || p7->d.sign->contents == nullptr) {
        return ossl::error(ErrorCode::internal, "cannot create the PKCS#7 chain bundle");
    }
    p7->d.sign->contents->type = OBJ_nid2obj(NID_pkcs7_data);
    for (const auto& cert : certs) {
        if (PKCS7_add_certificate(p7.get(), cert.native()) != 1) {
            return ossl::error(ErrorCode::internal, "cannot add '" + cert.subject() + "' to the PKCS#7 chain bundle");
        }
    }
    Bytes der = ossl::to_der(p7.get(), i2d_PKCS7);
    if (der.empty()) return ossl::error(ErrorCode::internal, "cannot encode the PKCS#7 chain bundle");
    return der;
}

std::string friendly_name(const scep::Certificate& cert) {
    const X509_NAME* subject = X509_get_subject_name(cert.native());
    int index = -1;
    for (int next = index; (next = X509_NAME_get_index_by_NID(subject, NID_commonName, next)) >= 0;)
        index = next;
    if (index >= 0) {
        unsigned char* utf8 = nullptr;
        const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
        if (len > 0) {
            std::string cn(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
            OPENSSL_free(utf8);
            return cn;
        }
        OPENSSL_free(utf8);
        ossl::clear_errors();
    }
    return cert.subject();
}

util::Result<Bytes> encode_pkcs12(const scep::PrivateKey& key, const scep::Certificate& cert,
                                  const std::vector<scep::Certificate>& chain, const util::Secret& passphrase) {
    // An empty passphrase makes a bundle anyone can open, and tools disagree about how to read one.
    if (passphrase.empty()) return Error(ErrorCode::usage, "the PKCS#12 passphrase is empty");
    if (key.store() != scep::KeyStore::file) {
        return Error(ErrorCode::usage, "a PKCS#12 bundle holds the private key, and this key never leaves its " +
                                           scep::to_string(key.store()) + " store")
            .with_fix("write the certificate and chain as PEM or DER instead");
    }
    if (!key.matches(cert)) {
        return Error(ErrorCode::internal, "the certificate '" + cert.subject() + "' is not for the key to bundle");
    }
    ossl::X509StackViewPtr ca(sk_X509_new_null());
    if (!ca) return ossl::error(ErrorCode::internal, "out of memory building the PKCS#12 bundle");
    for (const auto& c : chain) {
        if (sk_X509_push(ca.get(), c.native()) <= 0) {
            return ossl::error(ErrorCode::internal, "out of memory building the PKCS#12 bundle");
        }
    }
    const std::string name = friendly_name(cert);
    // Named explicitly what OpenSSL 3 defaults to: PBES2/PBKDF2-HMAC-SHA-256 with AES-256-CBC for
    // key and certificates, PKCS12_DEFAULT_ITER rounds; the MAC is HMAC-SHA-256 (OpenSSL 3's
    // default digest for PKCS12_set_mac), also with PKCS12_DEFAULT_ITER rounds.
    ossl::Pkcs12Ptr p12(PKCS12_create_ex(passphrase.c_str(), name.c_str(), key.native(), cert.native(), ca.get(),
                                         NID_aes_256_cbc, NID_aes_256_cbc, PKCS12_DEFAULT_ITER, PKCS12_DEFAULT_ITER, 0,
                                         nullptr, nullptr));
    if (!p12) return ossl::error(ErrorCode::internal, "cannot create the PKCS#12 bundle");
    Bytes der = ossl::to_der(p12.get(), i2d_PKCS12);
    if (der.empty()) return ossl::error(ErrorCode::internal, "cannot encode the PKCS#12 bundle");
    return der;
}

} // namespace store
