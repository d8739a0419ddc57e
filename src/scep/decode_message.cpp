// `scepctl decode`: classifying the DER and reading a pkiMessage's SignedData (RFC 8894 §3.2).
#include <algorithm>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"
#include "ossl/x509.hpp"
#include "scep/attributes.hpp"
#include "scep/decode.hpp"
#include "scep/decode_detail.hpp"

namespace scep {

namespace {

using detail::DecodeContext;
using detail::MessageAnalysis;

constexpr int k_max_certificates = 64;

std::vector<Certificate> message_certificates(CMS_ContentInfo* cms) {
    std::vector<Certificate> certs;
    ossl::X509StackPtr stack(CMS_get1_certs(cms));
    for (int i = 0; stack && i < sk_X509_num(stack.get()) && i < k_max_certificates; ++i)
        certs.emplace_back(ossl::up_ref(sk_X509_value(stack.get(), i)).release());
    ossl::clear_errors();
    return certs;
}

std::optional<Bytes> octet_attribute(CMS_SignerInfo* si, const char* oid) {
    const ASN1_TYPE* value = detail::signed_attribute(si, oid);
    if (value == nullptr || value->type != V_ASN1_OCTET_STRING) return std::nullopt;
    const ASN1_OCTET_STRING* s = value->value.octet_string;
    const unsigned char* data = ASN1_STRING_get0_data(s);
    return Bytes(data, data + ASN1_STRING_length(s));
}

// messageType, transactionID, nonces, pkiStatus, failInfo, failInfoText (§3.2.1).
void read_attributes(CMS_SignerInfo* si, PkiMessageInfo& info) {
    using namespace detail;
    const ASN1_TYPE* type = signed_attribute(si, k_oid_message_type);
    info.message_type_name = "absent";
    if (type != nullptr) {
        info.message_type_text = string_value(type).value_or("");
        info.message_type = small_number(info.message_type_text);
        info.message_type_name = info.message_type ? message_type_name(*info.message_type) : "not a number";
    }
    info.transaction_id = string_value(signed_attribute(si, k_oid_transaction_id));
    info.sender_nonce = octet_attribute(si, k_oid_sender_nonce);
    info.recipient_nonce = octet_attribute(si, k_oid_recipient_nonce);
    if (const auto status = string_value(signed_attribute(si, k_oid_pki_status))) {
        info.pki_status = small_number(*status);
        info.pki_status_name = info.pki_status ? pki_status_name(*info.pki_status) : "'" + *status + "'";
    }
    if (const auto fail_info = string_value(signed_attribute(si, k_oid_fail_info))) {
        info.fail_info = small_number(*fail_info);
        info.fail_info_name = info.fail_info ? fail_info_name(*info.fail_info) : "'" + *fail_info + "'";
    }
    info.fail_info_text = string_value(signed_attribute(si, k_oid_fail_info_text));
}

// Where the signer's certificate is: in the message, in the CA/RA bundle, or nowhere.
void find_signer(CMS_SignerInfo* si, const std::vector<Certificate>& certs, const DecodeContext& ctx,
                 MessageAnalysis& out) {
    SignerSummary& signer = out.info.signer;
    ASN1_OCTET_STRING* key_id = nullptr;
    X509_NAME* issuer = nullptr;
    ASN1_INTEGER* serial = nullptr;
    if (CMS_SignerInfo_get0_signer_id(si, &key_id, &issuer, &serial) == 1) {
        if (issuer != nullptr) signer.sid_issuer = ossl::name_to_string(issuer);
        signer.sid_serial_hex = ossl::serial_to_hex(serial);
        if (key_id != nullptr) {
            signer.sid_key_id_hex = to_hex_grouped(
                ByteView(ASN1_STRING_get0_data(key_id), static_cast<std::size_t>(ASN1_STRING_length(key_id))), ':');
        }
    }
    for (const auto& cert : certs) {
        if (!out.signer && CMS_SignerInfo_cert_cmp(si, cert.native()) == 0) {
            out.signer = cert;
            signer.certificate_source = SignerSummary::Source::message;
        }
    }
    if (const CaCertBundle* bundle = ctx.options.ca_bundle) {
        for (const auto& entry : bundle->entries) {
            if (CMS_SignerInfo_cert_cmp(si, entry.cert.native()) != 0) continue;
            if (!out.signer) {
                out.signer = entry.cert;
                signer.certificate_source = SignerSummary::Source::bundle;
            }
            if (X509_cmp(out.signer->native(), entry.cert.native()) == 0) out.signer_bundle_role = entry.role;
        }
    }
    if (out.signer) {
        signer.certificate = describe_certificate(*out.signer);
        signer.certificate->role = out.signer_bundle_role;
    }
}

// Checks the signature with the certificate found, and only with it (CMS_NOINTERN).
SignerSummary::Check check_signature(CMS_ContentInfo* cms, const MessageAnalysis& analysis, bool has_content) {
    if (!analysis.signer || sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) != 1) {
        return SignerSummary::Check::not_checked;
    }
    ossl::X509StackViewPtr trusted(sk_X509_new_null());
    sk_X509_push(trusted.get(), analysis.signer->native());
    ossl::BioPtr empty(BIO_new_mem_buf("", 0));
    ossl::BioPtr out(BIO_new(BIO_s_mem()));
    const bool ok = CMS_verify(cms, trusted.get(), nullptr, has_content ? nullptr : empty.get(), out.get(),
                               CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN | CMS_BINARY) == 1;
    ossl::clear_errors();
    return ok ? SignerSummary::Check::valid : SignerSummary::Check::invalid;
}

// The pkcsPKIEnvelope inside the SignedData's eContent, when there is one (§3.2.2).
void read_envelope(CMS_ContentInfo* cms, const DecodeContext& ctx, MessageAnalysis& out) {
    ASN1_OCTET_STRING** content = CMS_get0_content(cms);
    if (content == nullptr || *content == nullptr) return;
    out.info.has_content = true;
    const unsigned char* p = ASN1_STRING_get0_data(*content);
    const long size = ASN1_STRING_length(*content);
    ossl::CmsPtr envelope(d2i_CMS_ContentInfo(nullptr, &p, size));
    if (!envelope || OBJ_obj2nid(CMS_get0_type(envelope.get())) != NID_pkcs7_enveloped) {
        ossl::clear_errors();
        return; // NDES: PENDING and FAILURE carry one 0x00 byte
    }
    out.info.envelope = detail::analyze_envelope(envelope.get(), out.info.message_type, ctx, out.recipient_certs);
}

MessageAnalysis analyze_pki_message(CMS_ContentInfo* cms, const DecodeContext& ctx) {
    MessageAnalysis out;
    const std::vector<Certificate> certs = message_certificates(cms);
    for (const auto& cert : certs) {
        out.info.certificates.push_back(describe_certificate(cert));
        if (const CaCertBundle* bundle = ctx.options.ca_bundle) {
            for (const auto& entry : bundle->entries) {
                if (X509_cmp(entry.cert.native(), cert.native()) == 0) out.info.certificates.back().role = entry.role;
            }
        }
    }
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    find_signer(si, certs, ctx, out);
    X509_ALGOR* digest = nullptr;
    X509_ALGOR* signature = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest, &signature);
    if (digest != nullptr) out.info.signer.digest_algorithm = detail::object_name(digest->algorithm);
    if (signature != nullptr) out.info.signer.signature_algorithm = detail::object_name(signature->algorithm, true);
    read_attributes(si, out.info);
    read_envelope(cms, ctx, out);
    out.info.signer.signature = check_signature(cms, out, out.info.has_content);
    ossl::clear_errors();
    return out;
}

// Certificates of a certs-only PKCS#7, a single certificate or a PEM list, with GetCACert roles
// when they form a CA/RA bundle (scep/ca_certs.hpp).
CertificateListInfo describe_certificate_list(const std::vector<Certificate>& certs, STACK_OF(X509_CRL) * crls,
                                              ByteView der, bool single, const DecodeContext& ctx) {
    CertificateListInfo list;
    for (const auto& cert : certs)
        list.certificates.push_back(describe_certificate(cert));
    list.crls = detail::describe_crls(crls);
    std::vector<std::string> warnings;
    if (!certs.empty()) {
        auto bundle = parse_get_ca_cert(der, single ? "application/x-x509-ca-cert" : "application/x-x509-ca-ra-cert",
                                        ctx.options.now_unix);
        if (bundle) {
            list.roles_known = true;
            for (std::size_t i = 0; i < certs.size() && i < bundle->entries.size(); ++i)
                list.certificates[i].role = bundle->entries[i].role;
            warnings = bundle->warnings;
        } else {
            list.bundle_error = bundle.error().message;
        }
    }
    ossl::clear_errors();
    detail::certificate_list_findings(list, warnings, ctx);
    return list;
}

// The certs-only PKCS#7 (§4.2.1.2) a list of certificates stands for, to classify it like one.
Bytes certs_only_der(const std::vector<Certificate>& certs) {
    ossl::X509StackViewPtr stack(sk_X509_new_null());
    for (const auto& cert : certs)
        sk_X509_push(stack.get(), cert.native());
    ossl::Pkcs7Ptr p7(PKCS7_sign(nullptr, nullptr, stack.get(), nullptr, PKCS7_PARTIAL));
    return p7 ? ossl::to_der(p7.get(), i2d_PKCS7) : Bytes();
}

// A PEM list of certificates: classified as the DER bundle it stands for.
CertificateListInfo describe_pem_certificates(const std::vector<Bytes>& ders, const DecodeContext& ctx) {
    std::vector<Certificate> certs;
    for (std::size_t i = 0; i < ders.size() && i < static_cast<std::size_t>(k_max_certificates); ++i) {
        if (auto cert = Certificate::from_der(ders[i])) certs.push_back(std::move(cert).value());
    }
    ossl::clear_errors();
    if (certs.empty()) return {};
    if (certs.size() == 1) return describe_certificate_list(certs, nullptr, ders.front(), true, ctx);
    return describe_certificate_list(certs, nullptr, certs_only_der(certs), false, ctx);
}

// Fills `decoded` (whose findings `ctx` adds to).
Result<void> decode_der(ByteView der, const DecodeContext& ctx, Decoded& decoded) {
    const unsigned char* p = der.data();
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    std::size_t consumed = static_cast<std::size_t>(p - der.data());
    if (cms && OBJ_obj2nid(CMS_get0_type(cms.get())) == NID_pkcs7_signed &&
        sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms.get())) > 0) {
        decoded.kind = Decoded::Kind::pki_message;
        MessageAnalysis analysis = analyze_pki_message(cms.get(), ctx);
        detail::pki_message_findings(analysis, ctx);
        decoded.pki_message = std::move(analysis.info);
    } else if (cms && OBJ_obj2nid(CMS_get0_type(cms.get())) == NID_pkcs7_signed) {
        decoded.kind = Decoded::Kind::certificates;
        ossl::X509CrlStackPtr crls(CMS_get1_crls(cms.get()));
        decoded.certificates =
            describe_certificate_list(message_certificates(cms.get()), crls.get(), der.first(consumed), false, ctx);
    } else if (cms && OBJ_obj2nid(CMS_get0_type(cms.get())) == NID_pkcs7_enveloped) {
        decoded.kind = Decoded::Kind::enveloped_data;
        std::vector<Certificate> matched;
        decoded.envelope = detail::analyze_envelope(cms.get(), std::nullopt, ctx, matched);
        detail::envelope_findings(*decoded.envelope, std::nullopt, ctx);
    } else if (cms) {
        return Error(ErrorCode::bad_reply, "input is a PKCS#7/CMS " +
                                               detail::object_name(CMS_get0_type(cms.get()), true) +
                                               ", not SignedData or EnvelopedData");
    } else {
        ossl::clear_errors();
        p = der.data();
        if (ossl::X509Ptr x509{d2i_X509(nullptr, &p, static_cast<long>(der.size()))}) {
            consumed = static_cast<std::size_t>(p - der.data());
            decoded.kind = Decoded::Kind::certificates;
            decoded.certificates =
                describe_certificate_list({Certificate(x509.release())}, nullptr, der.first(consumed), true, ctx);
        } else if (p = der.data(); ossl::Handle<X509_REQ, X509_REQ_free> req{
                       d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()))}) {
            consumed = static_cast<std::size_t>(p - der.data());
            decoded.kind = Decoded::Kind::certification_request;
            decoded.csr = detail::describe_csr(req.get());
            detail::csr_findings(*decoded.csr, std::nullopt, ctx);
        } else {
            ossl::clear_errors();
            return Error(ErrorCode::bad_reply, "input is DER but not a PKCS#7/CMS message, an X.509 certificate or a "
                                               "PKCS#10 request (truncated or garbage)");
        }
    }
    if (consumed < der.size()) {
        ctx.add("trailing-bytes", FindingSeverity::warning,
                std::to_string(der.size() - consumed) + " bytes follow the structure: a capture that kept more than "
                                                        "the message, or a truncated copy of something else");
    }
    ossl::clear_errors();
    return {};
}

Result<detail::RequestContext> decode_request(ByteView input, const DecodeOptions& options) {
    auto detected = detect_input(input);
    if (!detected) return Error(ErrorCode::usage, "the request: " + detected.error().message);
    const unsigned char* p = detected->der.data();
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(detected->der.size())));
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed ||
        sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms.get())) == 0) {
        ossl::clear_errors();
        return Error(ErrorCode::usage, "the request is not a pkiMessage (a signed PKCS#7)");
    }
    DecodeOptions plain;
    plain.ca_bundle = options.ca_bundle;
    plain.now_unix = options.now_unix;
    std::vector<Finding> ignored;
    const DecodeContext ctx{plain, nullptr, ignored};
    return detail::RequestContext{analyze_pki_message(cms.get(), ctx)};
}

} // namespace

Result<Decoded> decode(ByteView input, const DecodeOptions& options) {
    SCEP_TRY(DetectedInput detected, detect_input(input));
    std::optional<detail::RequestContext> request;
    if (!options.request.empty()) {
        SCEP_TRY(request, decode_request(options.request, options));
    }
    Decoded decoded;
    decoded.input = detected.format;
    const DecodeContext ctx{options, request ? &*request : nullptr, decoded.findings};
    detail::input_findings(detected.format, ctx);
    if (detected.pem_certificates.size() > 1) {
        decoded.kind = Decoded::Kind::certificates;
        decoded.certificates = describe_pem_certificates(detected.pem_certificates, ctx);
        return decoded;
    }
    SCEP_TRY_VOID(decode_der(detected.der, ctx, decoded));
    return decoded;
}

Result<CaCertBundle> read_ca_bundle(ByteView input, std::int64_t now_unix) {
    auto detected = detect_input(input);
    if (!detected) return std::move(detected).error().context("CA/RA bundle");
    if (detected->pem_certificates.size() > 1) {
        std::vector<Certificate> certs;
        for (const auto& der : detected->pem_certificates) {
            SCEP_TRY(auto cert, Certificate::from_der(der));
            certs.push_back(std::move(cert));
        }
        auto bundle = parse_get_ca_cert(certs_only_der(certs), "application/x-x509-ca-ra-cert", now_unix);
        if (!bundle) return std::move(bundle).error().context("CA/RA bundle");
        return bundle;
    }
    const unsigned char* p = detected->der.data();
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(detected->der.size())));
    ossl::clear_errors();
    if (cms && OBJ_obj2nid(CMS_get0_type(cms.get())) == NID_pkcs7_signed &&
        sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms.get())) > 0) {
        return Error(ErrorCode::bad_reply, "CA/RA bundle: the file is a signed message (a pkiMessage?), not a "
                                           "GetCACert reply or certificates");
    }
    auto bundle = parse_get_ca_cert(detected->der, "", now_unix);
    if (!bundle) return std::move(bundle).error().context("CA/RA bundle");
    return bundle;
}

bool Decoded::has(const std::string& finding_id) const {
    return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return f.id == finding_id; });
}

std::string message_type_name(int type) {
    switch (type) {
    case 3: return "CertRep";
    case 17: return "RenewalReq";
    case 19: return "PKCSReq";
    case 20: return "CertPoll";
    case 21: return "GetCert";
    case 22: return "GetCRL";
    default: return "unknown(" + std::to_string(type) + ")";
    }
}

std::string pki_status_name(int status) {
    switch (status) {
    case 0: return "SUCCESS";
    case 2: return "FAILURE";
    case 3: return "PENDING";
    default: return "unknown(" + std::to_string(status) + ")";
    }
}

std::string to_string(FindingSeverity severity) {
    switch (severity) {
    case FindingSeverity::error: return "error";
    case FindingSeverity::warning: return "warning";
    case FindingSeverity::info: return "info";
    }
    return "unknown";
}

std::string to_string(Decoded::Kind kind) {
    switch (kind) {
    case Decoded::Kind::pki_message: return "pkiMessage";
    case Decoded::Kind::certificates: return "certificates";
    case Decoded::Kind::enveloped_data: return "EnvelopedData";
    case Decoded::Kind::certification_request: return "PKCS#10";
    }
    return "unknown";
}

std::string to_string(SignerSummary::Source source) {
    switch (source) {
    case SignerSummary::Source::message: return "message";
    case SignerSummary::Source::bundle: return "CA/RA bundle";
    case SignerSummary::Source::request: return "request";
    case SignerSummary::Source::none: return "none";
    }
    return "unknown";
}

std::string to_string(DecryptedContent::Kind kind) {
    switch (kind) {
    case DecryptedContent::Kind::certification_request: return "PKCS#10";
    case DecryptedContent::Kind::issuer_and_subject: return "IssuerAndSubject";
    case DecryptedContent::Kind::issuer_and_serial: return "IssuerAndSerialNumber";
    case DecryptedContent::Kind::certificates: return "certificates";
    case DecryptedContent::Kind::unknown: return "unknown";
    }
    return "unknown";
}

} // namespace scep
