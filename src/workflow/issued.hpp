// What the CA issued against what was asked. NDES templates silently override a request: a
// template whose Subject Name tab is not "Supply in the request" builds the subject from AD and
// drops the SANs, the template's Application Policies give the EKU, the template NDES picks by
// key usage (MSCEP SignatureTemplate, EncryptionTemplate, GeneralPurposeTemplate) decides the key
// usage (../shared/ndes-kerberos.md §7). enroll warns about each difference, check-ndes
// --enroll-test reports them.
#pragma once

#include <string>
#include <vector>

#include "scep/certificate.hpp"
#include "scep/csr.hpp"
#include "scep/key.hpp"

namespace workflow {

struct RequestedCertificate {
    std::string subject; // RFC 2253, as scep::Certificate::subject() prints it
    std::vector<scep::SubjectAltName> sans;
    bool digital_signature = true;
    bool key_encipherment = true;
    std::vector<std::string> ekus; // as asked: names ("clientAuth") or dotted OIDs
    int key_bits = 0;
};
// What a request asks for; `subject` is the request's encoded subject.
RequestedCertificate requested_certificate(const scep::CsrParams& params, const X509_NAME* subject,
                                           const scep::PrivateKey& key);

struct IssuedDifference {
    std::string field;   // "subject", "subjectAltName", "keyUsage", "extendedKeyUsage", "key size"
    std::string asked;   // what the request said ("" when it asked for nothing there)
    std::string issued;  // what the certificate says ("none" when it lacks it)
    std::string setting; // the template setting that causes it
};
std::vector<IssuedDifference> compare_issued(const RequestedCertificate& asked, const scep::Certificate& issued);

// "extendedKeyUsage: asked clientAuth, issued 1.3.6.1.5.5.8.2.2 (the template's ...)"
std::string to_text(const IssuedDifference& difference);

} // namespace workflow
