// How certificates are shown and written by getcacert, getnextcacert, getcert and enroll.
#pragma once

#include "scep/key.hpp"

#include <optional>
#include <string>

#include "cli/json.hpp"
#include "cli/output.hpp"
#include "scep/ca_certs.hpp"
#include "scep/enrollment.hpp"

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

// "validity": {requested ("90d" or null), issued_days, as_requested (null when nothing was asked)}:
// --validity against what the CA issued, the note's finding as a field.
Json validity_json(const std::optional<scep::RequestedValidity>& asked, const scep::Certificate& cert);

// How the certificate was obtained: transaction_id, resumed, polls, method, cipher, digest,
// challenge ("<redacted>" or null: never the value) and challenge_source.
void add_exchange_json(Json& json, const scep::EnrollmentResult& result, const scep::AlgorithmChoice& algorithms,
                       bool resumed, bool challenge_sent, const std::string& challenge_origin);
// "label:      path" (text) and files[label] = path (JSON).
void show_file(const Output& out, Json& files, const std::string& label, const std::string& path);
// Where the certificate's key lives: "key": {"store", "path"} (never a PIN), and a summary line for
// a key in a TPM or on a token.
void show_key_location(const Output& out, Json& json, const scep::KeyLocation& key);

} // namespace cli
