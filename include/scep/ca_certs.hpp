// GetCACert (RFC 8894 §4.2): the CA certificate, or a certs-only bundle of CA, intermediates and RA.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scep/certificate.hpp"

namespace scep {

enum class CertRole {
    root_ca,         // self-signed CA
    intermediate_ca, // CA issued by another CA in the bundle (or whose issuer is not in it)
    issuing_ca,      // the CA that issues our certificate (the leaf-most CA)
    ra_signing,      // RA with digitalSignature only: signs CertRep (NDES "Exchange Enrollment Agent")
    ra_encryption,   // RA with keyEncipherment only: decrypts our requests (NDES "CEP Encryption")
    ra_both,         // RA used for both (no keyUsage, or both bits)
};
std::string to_string(CertRole role);

enum class CaCertFormat { single_der, pkcs7_bundle };

struct CaCertEntry {
    Certificate cert;
    CertRole role;
};

struct CaCertBundle {
    CaCertFormat format = CaCertFormat::single_der;
    std::vector<CaCertEntry> entries;  // in the order the server sent them
    std::vector<std::string> warnings; // e.g. an expired RA certificate

    const Certificate& issuing_ca() const;
    // Where SCEP messages are encrypted to: the RA encryption certificate, else the CA (§3.1).
    const Certificate& recipient() const;
    // Who signs CertRep: the RA signing certificate, else the CA (§3.3.2).
    const Certificate& reply_signer() const;
    bool has_ra() const;
    // The chain from the issuing CA up to the root as far as the bundle holds it.
    std::vector<Certificate> ca_chain() const;
};

// Parses a GetCACert reply body. `content_type` may be empty (some servers send none), in which
// case the format is taken from the content. Every RA and intermediate certificate must chain to
// the issuing CA inside the bundle (§2.2: "MUST verify intermediate CA certificates").
Result<CaCertBundle> parse_get_ca_cert(ByteView body, std::string_view content_type, std::int64_t now_unix);

// Checks an out-of-band fingerprint against the issuing CA or any CA above it in the bundle.
Result<void> verify_ca_fingerprint(const CaCertBundle& bundle, const Fingerprint& expected);

// GetNextCACert (RFC 8894 §4.7): the rollover certificates.
struct NextCaCerts {
    CaCertBundle bundle; // the new CA (and RA) certificates, classified like a GetCACert reply
    Certificate signer;  // who signed the reply: the current CA or its RA
};

// Parses an application/x-x509-next-ca-cert reply: a SignedData whose content is a degenerate
// certs-only SignedData (§4.7.1), signed by the current CA or one of its RA certificates from
// `current` (a verified GetCACert bundle) and by nothing else.
Result<NextCaCerts> parse_get_next_ca_cert(ByteView body, std::string_view content_type, const CaCertBundle& current,
                                           std::int64_t now_unix);

} // namespace scep
