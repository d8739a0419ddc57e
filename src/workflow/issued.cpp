#include "workflow/issued.hpp"

#include <algorithm>

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "ossl/x509.hpp"
#include "util/text.hpp"

namespace workflow {

namespace {

const char* k_subject_setting =
    "the template's Subject Name tab is not 'Supply in the request': the CA built the name from Active Directory";
const char* k_eku_setting = "the template's Extensions > Application Policies give the EKU: add what the request "
                            "needs (Client Authentication)";
const char* k_usage_setting =
    "NDES picks the template by the requested key usage (MSCEP SignatureTemplate, EncryptionTemplate, "
    "GeneralPurposeTemplate) and that template's Extensions > Key Usage wins: check the template it picked";
const char* k_key_setting = "the template's Cryptography tab (minimum key size) or the CA changed the key";

std::string san_text(const scep::SubjectAltName& san) {
    using Kind = scep::SubjectAltName::Kind;
    switch (san.kind) {
    case Kind::dns: return "DNS:" + san.value;
    case Kind::ip: return "IP:" + san.value;
    case Kind::email: return "email:" + san.value;
    case Kind::uri: return "URI:" + san.value;
    case Kind::upn: return "UPN:" + san.value;
    }
    return san.value;
}

bool same_san(const scep::SubjectAltName& a, const scep::SubjectAltName& b) {
    using Kind = scep::SubjectAltName::Kind;
    if (a.kind != b.kind) return false;
    const bool caseless = a.kind == Kind::dns || a.kind == Kind::email;
    return caseless ? util::to_lower_ascii(a.value) == util::to_lower_ascii(b.value) : a.value == b.value;
}

// "clientAuth" or "1.3.6.1.5.5.7.3.2" -> the dotted OID (unknown names stay as they are).
std::string eku_oid(const std::string& eku) {
    ASN1_OBJECT* object = OBJ_txt2obj(eku.c_str(), 0);
    if (object == nullptr) return eku;
    char buf[128];
    const int n = OBJ_obj2txt(buf, sizeof buf, object, 1);
    ASN1_OBJECT_free(object);
    return n > 0 && n < static_cast<int>(sizeof buf) ? std::string(buf) : eku;
}

// "1.3.6.1.5.5.7.3.2" -> "clientAuth" where OpenSSL has a short name.
std::string eku_name(const std::string& oid) {
    ASN1_OBJECT* object = OBJ_txt2obj(oid.c_str(), 1);
    if (object == nullptr) return oid;
    const int nid = OBJ_obj2nid(object);
    ASN1_OBJECT_free(object);
    const char* name = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
    return name != nullptr ? name : oid;
}

std::string usage_text(bool signature, bool encipherment) {
    std::vector<std::string> names;
    if (signature) names.emplace_back("digitalSignature");
    if (encipherment) names.emplace_back("keyEncipherment");
    return util::join(names, "+", "none");
}

void compare_ekus(const RequestedCertificate& asked, const scep::Certificate& issued,
                  std::vector<IssuedDifference>& out) {
    if (asked.ekus.empty()) return; // nothing asked: the template's choice is no surprise
    std::vector<std::string> wanted, names;
    for (const auto& eku : asked.ekus) {
        wanted.push_back(eku_oid(eku));
        names.push_back(eku_name(wanted.back()));
    }
    const std::vector<std::string> got = issued.extended_key_usage();
    std::vector<std::string> got_names;
    for (const auto& oid : got)
        got_names.push_back(eku_name(oid));
    std::vector<std::string> sorted_wanted = wanted, sorted_got = got;
    std::sort(sorted_wanted.begin(), sorted_wanted.end());
    std::sort(sorted_got.begin(), sorted_got.end());
    if (sorted_wanted != sorted_got) {
        out.push_back({"extendedKeyUsage", util::join(names, "+"), util::join(got_names, "+", "none"), k_eku_setting});
    }
}

} // namespace

RequestedCertificate requested_certificate(const scep::CsrParams& params, const X509_NAME* subject,
                                           const scep::PrivateKey& key) {
    RequestedCertificate asked;
    asked.subject = subject != nullptr ? ossl::name_to_string(subject) : std::string();
    asked.sans = params.alt_names;
    asked.digital_signature = params.digital_signature;
    asked.key_encipherment = params.key_encipherment;
    asked.ekus = params.extended_key_usages;
    asked.key_bits = key.bits();
    return asked;
}

std::vector<IssuedDifference> compare_issued(const RequestedCertificate& asked, const scep::Certificate& issued) {
    std::vector<IssuedDifference> out;
    if (!asked.subject.empty() && issued.subject() != asked.subject) {
        out.push_back({"subject", asked.subject, issued.subject(), k_subject_setting});
    }
    const std::vector<scep::SubjectAltName> got = scep::subject_alt_names_of(issued.native()).names;
    std::vector<std::string> got_text;
    for (const auto& san : got)
        got_text.push_back(san_text(san));
    for (const auto& san : asked.sans) {
        const bool found =
            std::any_of(got.begin(), got.end(), [&](const scep::SubjectAltName& g) { return same_san(g, san); });
        if (!found)
            out.push_back({"subjectAltName", san_text(san), util::join(got_text, ", ", "none"), k_subject_setting});
    }
    const scep::KeyUsage usage = issued.key_usage();
    if (usage.present &&
        (usage.digital_signature != asked.digital_signature || usage.key_encipherment != asked.key_encipherment)) {
        out.push_back({"keyUsage", usage_text(asked.digital_signature, asked.key_encipherment),
                       util::join(scep::to_names(usage), "+", "none"), k_usage_setting});
    }
    compare_ekus(asked, issued, out);
    const EVP_PKEY* key = X509_get0_pubkey(issued.native());
    const int bits = key != nullptr ? EVP_PKEY_get_bits(key) : 0;
    if (asked.key_bits != 0 && bits != asked.key_bits) {
        out.push_back(
            {"key size", std::to_string(asked.key_bits) + " bits", std::to_string(bits) + " bits", k_key_setting});
    }
    return out;
}

std::string to_text(const IssuedDifference& difference) {
    return difference.field + ": asked " + difference.asked + ", issued " + difference.issued + " (" +
           difference.setting + ")";
}

} // namespace workflow
