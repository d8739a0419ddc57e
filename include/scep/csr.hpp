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
};

struct CertificationRequest {
    SecureBytes der;                    // holds the challenge password when there is one: wiped when it goes
    std::shared_ptr<X509_NAME> subject; // the encoded subject, for the signer certificate and CertPoll
};

Result<CertificationRequest> build_csr(const PrivateKey& key, const CsrParams& params);

} // namespace scep
