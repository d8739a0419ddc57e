// PKCS#10 certification request for SCEP (RFC 8894 §3.3.1).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scep/key.hpp"
#include "scep/pki_message.hpp"
#include "scep/util.hpp"
#include "scep/subject.hpp"

namespace scep {

// A validity period to ask the CA for ("365d", "1y"). SCEP has no field for it; Microsoft CAs
// read the name-value pairs ValidityPeriod/ValidityPeriodUnits of the PKCS#10 attribute
// szOID_ENROLLMENT_NAME_VALUE_PAIR ([MS-WCCE] 2.2.2.7.10) and honour them when the policy
// module has EDITF_ATTRIBUTEENDDATE set; other CAs ignore the attribute.
enum class ValidityUnit { hours, days, weeks, months, years };
struct RequestedValidity {
    unsigned count = 0;
    ValidityUnit unit = ValidityUnit::days;
};
// "12h", "90d", "2w", "6mo", "1y" (also "90 days", "1year"); 1 hour to 100 years. Usage errors.
Result<RequestedValidity> parse_validity(std::string_view text);
std::string to_string(const RequestedValidity& validity); // "90d"
// The attribute the PKCS#10 carries: Attribute { 1.3.6.1.4.1.311.13.2.1, SET {
// SEQUENCE { BMPString "ValidityPeriod", BMPString "Days" },
// SEQUENCE { BMPString "ValidityPeriodUnits", BMPString "90" } } }, DER.
Bytes validity_attribute_der(const RequestedValidity& validity);

struct CsrParams {
    DistinguishedName subject;
    // When set, this name is copied as it is instead of `subject` (a renewal keeps the exact
    // subject of the certificate it renews). Not owned; must outlive build_csr.
    const X509_NAME* exact_subject = nullptr;
    std::vector<SubjectAltName> alt_names;
    std::optional<Secret> challenge_password; // the challengePassword attribute (§3.3.1)
    // NDES picks its template from these: signature only -> SignatureTemplate, encryption only ->
    // EncryptionTemplate, both -> GeneralPurposeTemplate.
    bool digital_signature = true;
    bool key_encipherment = true;
    std::vector<std::string> extended_key_usages; // "clientAuth", "serverAuth", ... or dotted OIDs
    MessageDigest digest = MessageDigest::sha256;
    std::optional<RequestedValidity> validity; // the MS-WCCE validity attribute, when asked for
};

struct CertificationRequest {
    SecureBytes der;                    // holds the challenge password when there is one: wiped when it goes
    std::shared_ptr<X509_NAME> subject; // the encoded subject, for the signer certificate and CertPoll
};

Result<CertificationRequest> build_csr(const PrivateKey& key, const CsrParams& params);

} // namespace scep
