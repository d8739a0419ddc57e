// How certificates are shown and written by getcacert, getnextcacert, getcert and enroll.
#pragma once

#include <string>

#include "cli/json.hpp"
#include "cli/output.hpp"
#include "scep/ca_certs.hpp"

namespace cli {

// "certificate 1 of 3: ca" and indented subject, issuer, serial, validity, key usage, fingerprints;
// an empty line between certificates.
void print_bundle(const Output& out, const scep::CaCertBundle& bundle);
// [{role, subject, issuer, serial, not_before, not_after, key_usage, sha256, sha1, md5}, ...]
Json bundle_json(const scep::CaCertBundle& bundle);
// CA chain first (issuing CA up to the root), then the RA certificates, as received.
std::string bundle_pem(const scep::CaCertBundle& bundle);

// subject, issuer, serial, validity and SHA-256 of one certificate, one per line.
void print_certificate_summary(const Output& out, const scep::Certificate& cert);
// The same as JSON keys of `object`: subject, issuer, serial, not_before, not_after, sha256.
void set_certificate_summary(Json& object, const scep::Certificate& cert);

} // namespace cli
