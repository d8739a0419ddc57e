#include "scep/crl.hpp"

#include <openssl/cms.h>
#include <openssl/pem.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"
#include "ossl/x509.hpp"

namespace scep {

Crl::Crl(X509_CRL* crl) : m_crl(crl) {}

Result<Crl> Crl::from_der(ByteView der) {
    const unsigned char* p = der.data();
    X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
    if (crl == nullptr) return ossl::error(ErrorCode::bad_reply, "not a DER X.509 CRL");
    Crl result(crl);
    if (p != der.data() + der.size()) return Error(ErrorCode::bad_reply, "trailing bytes after the DER CRL");
    return result;
}

Bytes Crl::der() const {
    return ossl::to_der(m_crl.get(), i2d_X509_CRL);
}

std::string Crl::pem() const {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509_CRL(bio.get(), m_crl.get()) != 1) return {};
    return ossl::mem_bio_string(bio.get());
}

std::string Crl::issuer() const {
    return ossl::name_to_string(X509_CRL_get_issuer(m_crl.get()));
}
std::string Crl::this_update() const {
    return ossl::asn1_time_to_iso8601(X509_CRL_get0_lastUpdate(m_crl.get()));
}

std::optional<std::string> Crl::next_update() const {
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(m_crl.get());
    if (next == nullptr) return std::nullopt;
    return ossl::asn1_time_to_iso8601(next);
}

std::optional<std::int64_t> Crl::next_update_unix() const {
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(m_crl.get());
    if (next == nullptr) return std::nullopt;
    return ossl::asn1_time_to_unix(next);
}

std::size_t Crl::revoked_count() const {
    const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(m_crl.get());
    return revoked == nullptr ? 0 : static_cast<std::size_t>(sk_X509_REVOKED_num(revoked));
}

bool Crl::signed_by(const Certificate& issuer) const {
    if (X509_NAME_cmp(X509_CRL_get_issuer(m_crl.get()), X509_get_subject_name(issuer.native())) != 0) return false;
    const bool ok = X509_CRL_verify(m_crl.get(), X509_get0_pubkey(issuer.native())) == 1;
    ossl::clear_errors();
    return ok;
}

std::optional<std::string> Crl::revocation_date(const Certificate& cert) const {
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_cert(m_crl.get(), &entry, cert.native()) != 1 || entry == nullptr) return std::nullopt;
    return ossl::asn1_time_to_iso8601(X509_REVOKED_get0_revocationDate(entry));
}

Result<std::vector<Crl>> crls_from_pkcs7(ByteView der) {
    const unsigned char* p = der.data();
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms) return ossl::error(ErrorCode::bad_reply, "not a DER PKCS#7/CMS structure (truncated or garbage)");
    if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
        return Error(ErrorCode::bad_reply, "PKCS#7 structure is not SignedData (expected a CRLs-only bundle)");
    }
    ossl::X509CrlStackPtr stack(CMS_get1_crls(cms.get()));
    std::vector<Crl> crls;
    while (stack && sk_X509_CRL_num(stack.get()) > 0)
        crls.emplace_back(sk_X509_CRL_shift(stack.get()));
    ossl::clear_errors(); // CMS_get1_crls reports an empty list as an error
    if (crls.empty()) return Error(ErrorCode::bad_reply, "PKCS#7 bundle contains no CRL");
    return crls;
}

} // namespace scep
