// Internals of the decoder shared by its source files (scep/decode.hpp is the API).
#pragma once

#include <optional>
#include <vector>

#include <openssl/cms.h>

#include "scep/decode.hpp"

namespace scep::detail {

// What the analysis keeps besides the plain data: the certificates themselves, for matching.
struct MessageAnalysis {
    PkiMessageInfo info;
    std::optional<Certificate> signer;          // the certificate that signed it, when found
    std::vector<Certificate> recipient_certs;   // per envelope recipient: the certificate it names, if known
    std::optional<CertRole> signer_bundle_role; // the signer's role in the CA/RA bundle
};

// The request a CertRep answers, decoded without key or findings.
struct RequestContext {
    MessageAnalysis analysis;
};

struct DecodeContext {
    const DecodeOptions& options;
    const RequestContext* request = nullptr;
    std::vector<Finding>& findings;
    void add(std::string id, FindingSeverity severity, std::string text) const {
        findings.push_back({std::move(id), severity, std::move(text)});
    }
};

// The pkcsPKIEnvelope (§3.2.2) or a bare EnvelopedData: cipher, recipients, and the content when
// options.key opens it. `matched` gets the certificates the recipients name, where known.
EnvelopeInfo analyze_envelope(CMS_ContentInfo* cms, std::optional<int> message_type, const DecodeContext& ctx,
                              std::vector<Certificate>& matched);

// OpenSSL's short (or long) name of an OID, or the dotted form when it has none.
std::string object_name(const ASN1_OBJECT* obj, bool long_name = false);
std::vector<CrlInfo> describe_crls(STACK_OF(X509_CRL) * crls);
CsrInfo describe_csr(X509_REQ* req);

// Findings for a decoded pkiMessage (decode_findings.cpp).
void pki_message_findings(const MessageAnalysis& message, const DecodeContext& ctx);
void input_findings(const InputFormat& format, const DecodeContext& ctx);
void certificate_list_findings(const CertificateListInfo& list, const std::vector<std::string>& bundle_warnings,
                               const DecodeContext& ctx);
void envelope_findings(const EnvelopeInfo& envelope, std::optional<int> message_type, const DecodeContext& ctx);
void csr_findings(const CsrInfo& csr, std::optional<int> message_type, const DecodeContext& ctx);

} // namespace scep::detail
