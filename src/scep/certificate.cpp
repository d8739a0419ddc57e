#include "scep/certificate.hpp"

#include <openssl/pem.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"
#include "ossl/x509.hpp"

namespace scep {

std::string to_string(DigestAlg alg) {
    switch (alg) {
    case DigestAlg::sha256: return "sha256";
    case DigestAlg::sha1: return "sha1";
    case DigestAlg::md5: return "md5";
    }
    return "unknown";
}

std::vector<std::string> to_names(const KeyUsage& usage) {
    std::vector<std::string> names;
    if (usage.digital_signature) names.emplace_back("digitalSignature");
    if (usage.non_repudiation) names.emplace_back("nonRepudiation");
    if (usage.key_encipherment) names.emplace_back("keyEncipherment");
    if (usage.data_encipherment) names.emplace_back("dataEncipherment");
    if (usage.key_agreement) names.emplace_back("keyAgreement");
    if (usage.key_cert_sign) names.emplace_back("keyCertSign");
    if (usage.crl_sign) names.emplace_back("cRLSign");
    return names;
}

Result<Certificate> Certificate::from_der(ByteView der) {
    const unsigned char* p = der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (cert == nullptr) return ossl::error(ErrorCode::bad_reply, "not a DER X.509 certificate");
    Certificate result(cert);
    if (p != der.data() + der.size()) {
        ossl::clear_errors();
        return Error(ErrorCode::bad_reply, "trailing bytes after the DER certificate");
    }
    return result;
}

Result<std::vector<Certificate>> Certificate::from_pem(std::string_view pem) {
    ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::vector<Certificate> certs;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
        certs.emplace_back(cert);
    ossl::clear_errors(); // the read that ends the loop always leaves "no start line"
    if (certs.empty()) return Error(ErrorCode::bad_reply, "no PEM certificate found");
    return certs;
}

Bytes Certificate::der() const {
    unsigned char* out = nullptr;
    const int len = i2d_X509(m_cert.get(), &out);
    if (len <= 0) return {};
    Bytes result(out, out + len);
    OPENSSL_free(out);
    return result;
}

std::string Certificate::pem() const {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), m_cert.get()) != 1) return {};
    return ossl::mem_bio_string(bio.get());
}

std::string Certificate::subject() const {
    return ossl::name_to_string(X509_get_subject_name(m_cert.get()));
}
std::string Certificate::issuer() const {
    return ossl::name_to_string(X509_get_issuer_name(m_cert.get()));
}

std::string Certificate::serial_hex() const {
    return ossl::serial_to_hex(X509_get0_serialNumber(m_cert.get()));
}

std::string Certificate::not_before() const {
    return ossl::asn1_time_to_iso8601(X509_get0_notBefore(m_cert.get()));
}
std::string Certificate::not_after() const {
    return ossl::asn1_time_to_iso8601(X509_get0_notAfter(m_cert.get()));
}
std::int64_t Certificate::not_before_unix() const {
    return ossl::asn1_time_to_unix(X509_get0_notBefore(m_cert.get()));
}
std::int64_t Certificate::not_after_unix() const {
    return ossl::asn1_time_to_unix(X509_get0_notAfter(m_cert.get()));
}

KeyUsage Certificate::key_usage() const {
    KeyUsage usage;
    const uint32_t bits = X509_get_key_usage(m_cert.get()); // UINT32_MAX when the extension is absent
    if (bits == UINT32_MAX) return usage;
    usage.present = true;
    usage.digital_signature = (bits & KU_DIGITAL_SIGNATURE) != 0;
    usage.non_repudiation = (bits & KU_NON_REPUDIATION) != 0;
    usage.key_encipherment = (bits & KU_KEY_ENCIPHERMENT) != 0;
    usage.data_encipherment = (bits & KU_DATA_ENCIPHERMENT) != 0;
    usage.key_agreement = (bits & KU_KEY_AGREEMENT) != 0;
    usage.key_cert_sign = (bits & KU_KEY_CERT_SIGN) != 0;
    usage.crl_sign = (bits & KU_CRL_SIGN) != 0;
    return usage;
}

std::vector<std::string> Certificate::extended_key_usage() const {
    std::vector<std::string> oids;
    ossl::ExtKeyUsagePtr eku(
        static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(m_cert.get(), NID_ext_key_usage, nullptr, nullptr)));
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        char buf[128];
        if (OBJ_obj2txt(buf, sizeof buf, sk_ASN1_OBJECT_value(eku.get(), i), 1) > 0) oids.emplace_back(buf);
    }
    return oids;
}

bool Certificate::is_ca() const {
    return X509_check_ca(m_cert.get()) != 0 && (X509_get_extension_flags(m_cert.get()) & EXFLAG_CA) != 0;
}

bool Certificate::is_self_signed() const {
    const bool result = X509_self_signed(m_cert.get(), 1) == 1;
    ossl::clear_errors();
    return result;
}

bool Certificate::is_rsa() const {
    return EVP_PKEY_get_base_id(X509_get0_pubkey(m_cert.get())) == EVP_PKEY_RSA;
}

bool Certificate::issued_by(const Certificate& issuer) const {
    if (X509_check_issued(issuer.m_cert.get(), m_cert.get()) != X509_V_OK) return false;
    const bool ok = X509_verify(m_cert.get(), X509_get0_pubkey(issuer.m_cert.get())) == 1;
    ossl::clear_errors();
    return ok;
}

Bytes Certificate::fingerprint(DigestAlg alg) const {
    const EVP_MD* md = alg == DigestAlg::sha256 ? EVP_sha256() : alg == DigestAlg::sha1 ? EVP_sha1() : EVP_md5();
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(m_cert.get(), md, buf, &len) != 1) return {};
    return Bytes(buf, buf + len);
}

} // namespace scep
