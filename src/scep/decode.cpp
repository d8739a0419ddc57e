// `scepctl decode`: what a captured SCEP message holds (RFC 8894 §3, §4.2), as plain data.
#include "scep/decode.hpp"

#include <algorithm>

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/x509v3.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"
#include "ossl/x509.hpp"
#include "scep/attributes.hpp"
#include "scep/decode_detail.hpp"

namespace scep {

namespace {

using detail::DecodeContext;
using detail::MessageAnalysis;
using GeneralNamesPtr = ossl::Handle<GENERAL_NAMES, GENERAL_NAMES_free>;
using X509ReqPtr = ossl::Handle<X509_REQ, X509_REQ_free>;
using X509NamePtr = ossl::Handle<X509_NAME, X509_NAME_free>;
using Asn1IntegerPtr = ossl::Handle<ASN1_INTEGER, ASN1_INTEGER_free>;
using X509AlgorPtr = ossl::Handle<X509_ALGOR, X509_ALGOR_free>;
inline void free_extensions(STACK_OF(X509_EXTENSION) * s) {
    sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
}
using ExtensionsPtr = ossl::Handle<STACK_OF(X509_EXTENSION), free_extensions>;

// A hostile message could name a thousand recipients or carry a thousand certificates; real
// ones have one to three of each.
constexpr int k_max_listed = 64;

} // namespace

std::string detail::object_name(const ASN1_OBJECT* obj, bool long_name) {
    if (obj == nullptr) return {};
    const int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) return long_name ? OBJ_nid2ln(nid) : OBJ_nid2sn(nid);
    char buf[128];
    return OBJ_obj2txt(buf, sizeof buf, obj, 1) > 0 ? buf : "";
}

namespace {

using detail::object_name;

std::string dotted(const ASN1_OBJECT* obj) {
    char buf[128];
    return obj != nullptr && OBJ_obj2txt(buf, sizeof buf, obj, 1) > 0 ? buf : "";
}

std::string octets_hex(const ASN1_OCTET_STRING* octets) {
    if (octets == nullptr) return {};
    return to_hex_grouped(ByteView(ASN1_STRING_get0_data(octets), static_cast<std::size_t>(ASN1_STRING_length(octets))),
                          ':');
}

void describe_key(const EVP_PKEY* key, std::string& type, int& bits) {
    if (key == nullptr) {
        type = "unknown";
        return;
    }
    const int id = EVP_PKEY_get_base_id(key);
    const char* name = id != NID_undef ? OBJ_nid2sn(id) : nullptr;
    type = id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" : name != nullptr ? name : "unknown";
    bits = EVP_PKEY_get_bits(key);
}

std::vector<std::string> usage_names(const ASN1_BIT_STRING* bits) {
    static const char* const k_names[] = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                          "dataEncipherment", "keyAgreement",   "keyCertSign",
                                          "cRLSign",          "encipherOnly",   "decipherOnly"};
    std::vector<std::string> names;
    for (int i = 0; bits != nullptr && i < 9; ++i) {
        if (ASN1_BIT_STRING_get_bit(bits, i) != 0) names.emplace_back(k_names[i]);
    }
    return names;
}

std::vector<std::string> eku_names(const EXTENDED_KEY_USAGE* eku) {
    std::vector<std::string> names;
    for (int i = 0; eku != nullptr && i < sk_ASN1_OBJECT_num(eku) && i < k_max_listed; ++i)
        names.push_back(object_name(sk_ASN1_OBJECT_value(eku, i)));
    return names;
}

std::vector<std::string> general_names(const GENERAL_NAMES* names) {
    std::vector<std::string> out;
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names) && i < k_max_listed; ++i) {
        ossl::BioPtr bio(BIO_new(BIO_s_mem()));
        if (bio && GENERAL_NAME_print(bio.get(), sk_GENERAL_NAME_value(names, i)) > 0)
            out.push_back(ossl::mem_bio_string(bio.get()));
    }
    return out;
}

} // namespace

std::vector<CrlInfo> detail::describe_crls(STACK_OF(X509_CRL) * crls) {
    std::vector<CrlInfo> out;
    for (int i = 0; crls != nullptr && i < sk_X509_CRL_num(crls) && i < k_max_listed; ++i) {
        X509_CRL* crl = sk_X509_CRL_value(crls, i);
        CrlInfo info;
        info.issuer = ossl::name_to_string(X509_CRL_get_issuer(crl));
        info.last_update = ossl::asn1_time_to_iso8601(X509_CRL_get0_lastUpdate(crl));
        if (X509_CRL_get0_nextUpdate(crl) != nullptr)
            info.next_update = ossl::asn1_time_to_iso8601(X509_CRL_get0_nextUpdate(crl));
        const auto* revoked = X509_CRL_get_REVOKED(crl);
        info.revoked = revoked != nullptr ? static_cast<std::size_t>(sk_X509_REVOKED_num(revoked)) : 0;
        out.push_back(std::move(info));
    }
    return out;
}

namespace {

bool same_certificate(const Certificate& a, const Certificate& b) {
    return X509_cmp(a.native(), b.native()) == 0;
}

} // namespace

CertificateInfo describe_certificate(const Certificate& cert) {
    CertificateInfo info;
    info.subject = cert.subject();
    info.issuer = cert.issuer();
    info.serial_hex = cert.serial_hex();
    info.not_before = cert.not_before();
    info.not_after = cert.not_after();
    info.not_before_unix = cert.not_before_unix();
    info.not_after_unix = cert.not_after_unix();
    info.self_signed = cert.is_self_signed();
    info.is_ca = cert.is_ca();
    describe_key(X509_get0_pubkey(cert.native()), info.key_type, info.key_bits);
    ossl::clear_errors();
    info.key_usage = to_names(cert.key_usage());
    ossl::ExtKeyUsagePtr eku(
        static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert.native(), NID_ext_key_usage, nullptr, nullptr)));
    info.extended_key_usage = eku_names(eku.get());
    const int sig_nid = X509_get_signature_nid(cert.native());
    info.signature_algorithm = sig_nid != NID_undef ? OBJ_nid2ln(sig_nid) : "unknown";
    info.sha256_fingerprint = to_hex_grouped(cert.fingerprint(DigestAlg::sha256), ':');
    ossl::clear_errors();
    return info;
}

CsrInfo detail::describe_csr(X509_REQ* req) {
    CsrInfo csr;
    csr.subject = ossl::name_to_string(X509_REQ_get_subject_name(req));
    EVP_PKEY* key = X509_REQ_get0_pubkey(req);
    describe_key(key, csr.key_type, csr.key_bits);
    ExtensionsPtr extensions(X509_REQ_get_extensions(req));
    if (extensions) {
        GeneralNamesPtr san(
            static_cast<GENERAL_NAMES*>(X509V3_get_d2i(extensions.get(), NID_subject_alt_name, nullptr, nullptr)));
        csr.subject_alt_names = general_names(san.get());
        ossl::Asn1BitStringPtr usage(
            static_cast<ASN1_BIT_STRING*>(X509V3_get_d2i(extensions.get(), NID_key_usage, nullptr, nullptr)));
        csr.key_usage = usage_names(usage.get());
        ossl::ExtKeyUsagePtr eku(
            static_cast<EXTENDED_KEY_USAGE*>(X509V3_get_d2i(extensions.get(), NID_ext_key_usage, nullptr, nullptr)));
        csr.extended_key_usage = eku_names(eku.get());
    }
    // Whether the attribute is there; its value is a secret and is never read (§3.3.1).
    csr.challenge_password_present = X509_REQ_get_attr_by_NID(req, NID_pkcs9_challengePassword, -1) >= 0;
    csr.signature_valid = key != nullptr && X509_REQ_verify(req, key) == 1;
    const X509_ALGOR* alg = nullptr;
    X509_REQ_get0_signature(req, nullptr, &alg);
    if (alg != nullptr) csr.signature_algorithm = object_name(alg->algorithm, true);
    ossl::clear_errors();
    return csr;
}

namespace {

std::optional<CsrInfo> parse_csr(ByteView der) {
    const unsigned char* p = der.data();
    X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
    if (!req) {
        ossl::clear_errors();
        return std::nullopt;
    }
    return detail::describe_csr(req.get());
}

// The inside of a SEQUENCE that spans all of `der`, or nothing.
std::optional<ByteView> sequence_body(ByteView der) {
    const unsigned char* p = der.data();
    long length = 0;
    int tag = 0, cls = 0;
    const int ret = ASN1_get_object(&p, &length, &tag, &cls, static_cast<long>(der.size()));
    if ((ret & 0x80) != 0 || ret != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL)
        return std::nullopt;
    const auto header = static_cast<std::size_t>(p - der.data());
    if (header + static_cast<std::size_t>(length) != der.size()) return std::nullopt;
    return der.subspan(header);
}

// IssuerAndSubject (§3.3.3) or IssuerAndSerialNumber (§3.3.4).
bool parse_issuer_and(ByteView der, DecryptedContent& out) {
    const auto body = sequence_body(der);
    if (!body) return false;
    const unsigned char* p = body->data();
    const unsigned char* end = body->data() + body->size();
    X509NamePtr issuer(d2i_X509_NAME(nullptr, &p, end - p));
    if (!issuer || p >= end) return false;
    const unsigned char* rest = p;
    if (X509NamePtr subject(d2i_X509_NAME(nullptr, &p, end - p)); subject && p == end) {
        out.kind = DecryptedContent::Kind::issuer_and_subject;
        out.subject = ossl::name_to_string(subject.get());
    } else if (p = rest; Asn1IntegerPtr serial{d2i_ASN1_INTEGER(nullptr, &p, end - p)}) {
        if (p != end) return false;
        out.kind = DecryptedContent::Kind::issuer_and_serial;
        out.serial_hex = ossl::serial_to_hex(serial.get());
    } else {
        return false;
    }
    out.issuer = ossl::name_to_string(issuer.get());
    return true;
}

// A degenerate certs-only / CRLs-only SignedData (CertRep SUCCESS content, §3.3.2).
bool parse_degenerate(ByteView der, DecryptedContent& out) {
    const unsigned char* p = der.data();
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) return false;
    ossl::X509StackPtr certs(CMS_get1_certs(cms.get()));
    for (int i = 0; certs && i < sk_X509_num(certs.get()) && i < k_max_listed; ++i)
        out.certificates.push_back(
            describe_certificate(Certificate(ossl::up_ref(sk_X509_value(certs.get(), i)).release())));
    ossl::X509CrlStackPtr crls(CMS_get1_crls(cms.get()));
    out.crls = detail::describe_crls(crls.get());
    out.kind = DecryptedContent::Kind::certificates;
    return true;
}

DecryptedContent classify_content(ByteView content, std::optional<int> message_type) {
    DecryptedContent out;
    out.size = content.size();
    const int type = message_type.value_or(-1);
    const bool request =
        type == static_cast<int>(MessageType::pkcs_req) || type == static_cast<int>(MessageType::renewal_req);
    if (!request && parse_degenerate(content, out)) return out;
    if (type != static_cast<int>(MessageType::cert_rep)) {
        if (auto csr = parse_csr(content)) {
            out.kind = DecryptedContent::Kind::certification_request;
            out.csr = std::move(csr);
            return out;
        }
        if (parse_issuer_and(content, out)) return out;
    }
    ossl::clear_errors();
    return out;
}

// The content-encryption algorithm and size of an EnvelopedData (RFC 5652 §6.1), which the CMS
// API does not expose: walked on the DER re-encoding (definite lengths only).
void envelope_algorithm(CMS_ContentInfo* cms, EnvelopeInfo& info) {
    const Bytes der = ossl::to_der(cms, i2d_CMS_ContentInfo);
    const unsigned char* p = der.data();
    const unsigned char* end = der.data() + der.size();
    long length = 0;
    int tag = 0, cls = 0;
    auto next = [&]() { return (ASN1_get_object(&p, &length, &tag, &cls, end - p) & 0x80) == 0; };
    auto skip = [&]() { p += length; };
    // ContentInfo { contentType, [0] { EnvelopedData { version, [0] originatorInfo?, recipientInfos, eci } } }
    if (!next() || !next()) return;
    skip();
    if (!next() || !next() || !next()) return; // [0], EnvelopedData, version
    skip();
    if (!next()) return;
    if (cls == V_ASN1_CONTEXT_SPECIFIC) { // originatorInfo
        skip();
        if (!next()) return;
    }
    skip();                         // recipientInfos
    if (!next() || !next()) return; // EncryptedContentInfo, contentType
    skip();
    X509AlgorPtr alg(d2i_X509_ALGOR(nullptr, &p, end - p));
    if (!alg) return;
    info.content_cipher = object_name(alg->algorithm);
    info.content_cipher_oid = dotted(alg->algorithm);
    if (p < end && next() && cls == V_ASN1_CONTEXT_SPECIFIC) info.encrypted_size = static_cast<std::size_t>(length);
}

std::string recipient_kind(int type) {
    switch (type) {
    case CMS_RECIPINFO_TRANS: return "key transport";
    case CMS_RECIPINFO_AGREE: return "key agreement";
    case CMS_RECIPINFO_KEK: return "KEK";
    case CMS_RECIPINFO_PASS: return "password";
    default: return "other";
    }
}

} // namespace

namespace detail {

// The recipients of an envelope, matched against the bundle, the request's signer and the key.
void describe_recipients(CMS_ContentInfo* cms, const DecodeContext& ctx, EnvelopeInfo& info,
                         std::vector<Certificate>& matched) {
    STACK_OF(CMS_RecipientInfo)* recipients = CMS_get0_RecipientInfos(cms);
    const CaCertBundle* bundle = ctx.options.ca_bundle;
    for (int i = 0; i < sk_CMS_RecipientInfo_num(recipients) && i < k_max_listed; ++i) {
        CMS_RecipientInfo* ri = sk_CMS_RecipientInfo_value(recipients, i);
        EnvelopeRecipient r;
        r.kind = recipient_kind(CMS_RecipientInfo_type(ri));
        if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS) {
            ASN1_OCTET_STRING* key_id = nullptr;
            X509_NAME* issuer = nullptr;
            ASN1_INTEGER* serial = nullptr;
            if (CMS_RecipientInfo_ktri_get0_signer_id(ri, &key_id, &issuer, &serial) == 1) {
                if (issuer != nullptr) r.issuer = ossl::name_to_string(issuer);
                r.serial_hex = ossl::serial_to_hex(serial);
                r.key_id_hex = octets_hex(key_id);
            }
            X509_ALGOR* alg = nullptr;
            if (CMS_RecipientInfo_ktri_get0_algs(ri, nullptr, nullptr, &alg) == 1 && alg != nullptr)
                r.key_encryption = object_name(alg->algorithm);
            const auto names = [&](const Certificate& cert) {
                return CMS_RecipientInfo_ktri_cert_cmp(ri, cert.native()) == 0;
            };
            std::optional<Certificate> cert;
            for (std::size_t e = 0; bundle != nullptr && e < bundle->entries.size() && !cert; ++e) {
                if (names(bundle->entries[e].cert)) {
                    cert = bundle->entries[e].cert;
                    r.bundle_role = bundle->entries[e].role;
                    r.server_decrypts = same_certificate(*cert, bundle->recipient());
                }
            }
            if (ctx.request != nullptr && ctx.request->analysis.signer && names(*ctx.request->analysis.signer)) {
                r.is_request_signer = true;
                if (!cert) cert = ctx.request->analysis.signer;
            }
            if (cert) {
                r.certificate_subject = cert->subject();
                r.matches_key = ctx.options.key != nullptr && ctx.options.key->matches(*cert);
                matched.push_back(*cert);
            }
        }
        info.recipients.push_back(std::move(r));
    }
    ossl::clear_errors();
}

// Opens the envelope with options.key; records what it held or why it did not open.
void decrypt_envelope(CMS_ContentInfo* cms, std::optional<int> message_type, const DecodeContext& ctx,
                      EnvelopeInfo& info, const std::vector<Certificate>& matched) {
    if (ctx.options.key == nullptr) return;
    if (info.recipients.size() >= static_cast<std::size_t>(k_max_listed)) {
        info.decrypt_error = "too many recipients to try the key on";
        return;
    }
    load_legacy_provider();
    const Certificate* cert = nullptr;
    for (const auto& c : matched) {
        if (ctx.options.key->matches(c)) cert = &c;
    }
    // CMS_DEBUG_DECRYPT: a wrong key is an error here, not a random content key (the MMA
    // countermeasure protects servers answering online, not an offline decoder).
    ossl::BioPtr out(BIO_new(BIO_s_mem()));
    if (CMS_decrypt(cms, ctx.options.key->native(), cert != nullptr ? cert->native() : nullptr, nullptr, out.get(),
                    CMS_BINARY | CMS_DEBUG_DECRYPT) != 1) {
        ossl::clear_errors();
        info.decrypt_error = cert != nullptr
                                 ? "decryption failed with the recipient's key (corrupt envelope, or cipher " +
                                       info.content_cipher + " not available)"
                                 : "the key is not the key of any recipient";
        return;
    }
    if (cert == nullptr) {
        const auto transport = std::count_if(info.recipients.begin(), info.recipients.end(),
                                             [](const EnvelopeRecipient& r) { return r.kind == "key transport"; });
        for (auto& r : info.recipients) {
            if (transport == 1 && r.kind == "key transport") r.matches_key = true;
        }
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(out.get(), &data);
    SecureBytes content(data, data + size); // a PKCS#10 may hold a challenge password
    OPENSSL_cleanse(data, static_cast<std::size_t>(size));
    info.decrypted = classify_content(ByteView(content.data(), content.size()), message_type);
}

EnvelopeInfo analyze_envelope(CMS_ContentInfo* cms, std::optional<int> message_type, const DecodeContext& ctx,
                              std::vector<Certificate>& matched) {
    EnvelopeInfo info;
    envelope_algorithm(cms, info);
    describe_recipients(cms, ctx, info, matched);
    decrypt_envelope(cms, message_type, ctx, info, matched);
    return info;
}

} // namespace detail

} // namespace scep
