#include "scep/ca_certs.hpp"

#include <algorithm>

#include <openssl/cms.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"
#include "scep/pkcs7_certs.hpp"
#include "scep/transport.hpp"

namespace scep {

std::string to_string(CertRole role) {
    switch (role) {
    case CertRole::root_ca: return "root-ca";
    case CertRole::intermediate_ca: return "intermediate-ca";
    case CertRole::issuing_ca: return "ca";
    case CertRole::ra_signing: return "ra-signing";
    case CertRole::ra_encryption: return "ra-encryption";
    case CertRole::ra_both: return "ra";
    }
    return "unknown";
}

namespace {

constexpr std::string_view k_type_ca = "application/x-x509-ca-cert";
constexpr std::string_view k_type_ca_ra = "application/x-x509-ca-ra-cert";
// Real bundles hold the CA, its chain and one or two RA certificates. The checks below compare
// every certificate with every other (signature checks included), so a hostile server must not
// be able to send thousands.
constexpr std::size_t k_max_bundle = 32;

bool is_ra_role(CertRole role) {
    return role == CertRole::ra_signing || role == CertRole::ra_encryption || role == CertRole::ra_both;
}

// A CA is marked by basicConstraints; v1 roots without extensions count when self-signed.
bool looks_like_ca(const Certificate& cert) {
    return cert.is_ca() || cert.is_self_signed();
}

CertRole ra_role(const Certificate& cert) {
    // NDES: two RA certs with identical subjects, told apart only by keyUsage.
    const KeyUsage usage = cert.key_usage();
    if (!usage.present) return CertRole::ra_both;
    if (usage.digital_signature && !usage.key_encipherment) return CertRole::ra_signing;
    if (usage.key_encipherment && !usage.digital_signature) return CertRole::ra_encryption;
    return CertRole::ra_both;
}

Result<std::vector<Certificate>> parse_body(ByteView body, std::string_view content_type, CaCertFormat& format) {
    if (body.empty()) return Error(ErrorCode::bad_reply, "empty reply body");
    const std::string type = media_type(content_type);
    if (type == k_type_ca_ra) {
        format = CaCertFormat::pkcs7_bundle;
        return detail::certs_from_pkcs7(body);
    }
    if (type == k_type_ca) {
        format = CaCertFormat::single_der;
        SCEP_TRY(auto cert, Certificate::from_der(body));
        return std::vector<Certificate>{std::move(cert)};
    }
    // Servers that send no type, or a generic binary one, are judged by content.
    if (type.empty() || type == "application/octet-stream" || type == "application/pkix-cert" ||
        type == "application/pkcs7-mime" || type == "application/x-pkcs7-certificates") {
        if (auto cert = Certificate::from_der(body)) {
            format = CaCertFormat::single_der;
            return std::vector<Certificate>{std::move(cert).value()};
        }
        ossl::clear_errors();
        format = CaCertFormat::pkcs7_bundle;
        return detail::certs_from_pkcs7(body);
    }
    return Error(ErrorCode::bad_reply, "server sent Content-Type '" + std::string(trim_ascii(content_type)) +
                                           "', expected application/x-x509-ca-cert or application/x-x509-ca-ra-cert"
                                           " (is the URL the SCEP endpoint?)");
}

} // namespace

Result<CaCertBundle> parse_get_ca_cert(ByteView body, std::string_view content_type, std::int64_t now_unix) {
    CaCertBundle bundle;
    SCEP_TRY(auto certs, parse_body(body, content_type, bundle.format));
    if (certs.size() > k_max_bundle) {
        return Error(ErrorCode::bad_reply, "GetCACert bundle holds " + std::to_string(certs.size()) +
                                               " certificates; a CA/RA bundle has a few (at most " +
                                               std::to_string(k_max_bundle) + " are accepted)");
    }

    // A single certificate is the CA by definition (§4.2.1.1), whatever its extensions say.
    if (bundle.format == CaCertFormat::single_der && certs.size() == 1) {
        bundle.entries.push_back({certs.front(), CertRole::issuing_ca});
    } else {
        std::vector<const Certificate*> cas;
        for (const auto& cert : certs) {
            if (looks_like_ca(cert)) cas.push_back(&cert);
        }
        if (cas.empty()) return Error(ErrorCode::bad_reply, "GetCACert bundle contains no CA certificate");
        // The issuing CA is the CA that issued no other CA in the bundle.
        std::vector<const Certificate*> leaf_cas;
        for (const auto* ca : cas) {
            const bool issues_another = std::any_of(cas.begin(), cas.end(), [&](const Certificate* other) {
                return other != ca && !other->is_self_signed() && other->issued_by(*ca);
            });
            if (!issues_another) leaf_cas.push_back(ca);
        }
        if (leaf_cas.size() != 1) {
            return Error(ErrorCode::bad_reply, "GetCACert bundle holds " + std::to_string(leaf_cas.size()) +
                                                   " unrelated CA certificates; cannot tell which CA issues");
        }
        const Certificate* issuing = leaf_cas.front();
        for (const auto& cert : certs) {
            CertRole role;
            if (&cert == issuing) {
                role = CertRole::issuing_ca;
            } else if (looks_like_ca(cert)) {
                role = cert.is_self_signed() ? CertRole::root_ca : CertRole::intermediate_ca;
            } else {
                role = ra_role(cert);
                if (!cert.issued_by(*issuing)) {
                    return Error(ErrorCode::verification, "RA certificate '" + cert.subject() +
                                                              "' is not signed by the CA '" + issuing->subject() + "'");
                }
            }
            bundle.entries.push_back({cert, role});
        }
        // Each CA above the issuing one must be signed by the next, up to a self-signed root if present.
        const Certificate* current = issuing;
        std::size_t steps = 0;
        while (!current->is_self_signed() && steps++ < certs.size()) {
            const Certificate* parent = nullptr;
            for (const auto* ca : cas) {
                if (ca != current && current->issued_by(*ca)) parent = ca;
            }
            if (parent == nullptr) break; // the root is not in the bundle: nothing more to check here
            current = parent;
        }
        for (const auto* ca : cas) {
            const bool in_chain = [&] {
                for (const Certificate* c = issuing; c != nullptr;) {
                    if (c == ca) return true;
                    const Certificate* next = nullptr;
                    for (const auto* other : cas) {
                        if (other != c && !c->is_self_signed() && c->issued_by(*other)) next = other;
                    }
                    c = next;
                }
                return false;
            }();
            if (!in_chain) {
                return Error(ErrorCode::verification, "CA certificate '" + ca->subject() +
                                                          "' in the bundle is not part of the issuing CA's chain");
            }
        }
    }

    for (const auto& entry : bundle.entries) {
        const std::string what = to_string(entry.role) + " certificate '" + entry.cert.subject() + "'";
        if (entry.cert.not_after_unix() < now_unix) {
            bundle.warnings.push_back(what + " expired on " + entry.cert.not_after());
        } else if (entry.cert.not_before_unix() > now_unix) {
            bundle.warnings.push_back(what + " is not valid before " + entry.cert.not_before());
        }
    }
    return bundle;
}

const Certificate& CaCertBundle::issuing_ca() const {
    for (const auto& e : entries) {
        if (e.role == CertRole::issuing_ca) return e.cert;
    }
    return entries.front().cert; // unreachable for a bundle made by parse_get_ca_cert
}

bool CaCertBundle::has_ra() const {
    return std::any_of(entries.begin(), entries.end(), [](const CaCertEntry& e) { return is_ra_role(e.role); });
}

const Certificate& CaCertBundle::recipient() const {
    for (auto wanted : {CertRole::ra_encryption, CertRole::ra_both}) {
        for (const auto& e : entries) {
            if (e.role == wanted) return e.cert;
        }
    }
    return issuing_ca();
}

const Certificate& CaCertBundle::reply_signer() const {
    for (auto wanted : {CertRole::ra_signing, CertRole::ra_both}) {
        for (const auto& e : entries) {
            if (e.role == wanted) return e.cert;
        }
    }
    return issuing_ca();
}

std::vector<Certificate> CaCertBundle::ca_chain() const {
    std::vector<Certificate> chain{issuing_ca()};
    while (!chain.back().is_self_signed()) {
        const Certificate* parent = nullptr;
        for (const auto& e : entries) {
            if ((e.role == CertRole::root_ca || e.role == CertRole::intermediate_ca) &&
                chain.back().issued_by(e.cert)) {
                parent = &e.cert;
            }
        }
        if (parent == nullptr || chain.size() > entries.size()) break;
        chain.push_back(*parent);
    }
    return chain;
}

Result<NextCaCerts> parse_get_next_ca_cert(ByteView body, std::string_view content_type, const CaCertBundle& current,
                                           std::int64_t now_unix) {
    const std::string type = media_type(content_type);
    if (!type.empty() && type != "application/x-x509-next-ca-cert" && type != "application/octet-stream") {
        return Error(ErrorCode::bad_reply, "server sent Content-Type '" + std::string(trim_ascii(content_type)) +
                                               "', expected application/x-x509-next-ca-cert");
    }
    const unsigned char* p = body.data();
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(body.size())));
    if (!cms) return ossl::error(ErrorCode::bad_reply, "reply is not a DER PKCS#7 message (truncated or garbage)");
    if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
        return Error(ErrorCode::bad_reply, "reply is not a PKCS#7 SignedData");
    }
    // Only the current CA and its RA may have signed it; certificates inside the reply prove nothing.
    ossl::X509StackViewPtr trusted(sk_X509_new_null());
    for (const auto& entry : current.entries) {
        if (entry.role == CertRole::issuing_ca || is_ra_role(entry.role))
            sk_X509_push(trusted.get(), entry.cert.native());
    }
    ossl::BioPtr out(BIO_new(BIO_s_mem()));
    if (CMS_verify(cms.get(), trusted.get(), nullptr, nullptr, out.get(),
                   CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN | CMS_BINARY) != 1) {
        return ossl::error(ErrorCode::verification, "the rollover certificates are not signed by the current CA '" +
                                                        current.issuing_ca().subject() +
                                                        "' or its RA (signed by another key, or altered)");
    }
    ossl::X509StackViewPtr signers(CMS_get0_signers(cms.get()));
    if (!signers || sk_X509_num(signers.get()) != 1) {
        return Error(ErrorCode::bad_reply, "the rollover reply must have exactly one signer");
    }
    Certificate signer(ossl::up_ref(sk_X509_value(signers.get(), 0)).release());
    auto bundle = parse_get_ca_cert(ossl::mem_bio_bytes(out.get()), "application/x-x509-ca-ra-cert", now_unix);
    if (!bundle) return std::move(bundle).error().context("the rollover certificates");
    return NextCaCerts{std::move(bundle).value(), std::move(signer)};
}

Result<void> verify_ca_fingerprint(const CaCertBundle& bundle, const Fingerprint& expected) {
    for (const auto& cert : bundle.ca_chain()) {
        if (expected.matches(cert)) return {};
    }
    const Certificate& ca = bundle.issuing_ca();
    Fingerprint actual{expected.alg, ca.fingerprint(expected.alg)};
    return Error(ErrorCode::verification, "CA fingerprint mismatch: expected " + expected.to_string() +
                                              ", the server's CA '" + ca.subject() + "' has " + actual.to_string());
}

} // namespace scep
