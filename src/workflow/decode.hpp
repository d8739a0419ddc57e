// `scepctl decode` as a workflow: read the captured message and what explains it (the server's
// CA/RA bundle from a file or GetCACert, its GetCACaps, a key, the request a CertRep answers) and
// hand them to scep::decode. No printing: the command line renders the result.
#pragma once

#include <optional>
#include <string>

#include "config/resolve.hpp"
#include "config/settings.hpp"
#include "scep/decode.hpp"
#include "util/secret.hpp"
#include "workflow/context.hpp"

namespace workflow {

struct DecodePlan {
    std::string input;                          // a file, or "-" (or empty) for standard input
    std::string ca_bundle;                      // --ca-bundle
    std::optional<config::ServerSettings> url;  // --url (or the profile's CA): GetCACaps, GetCACert
    std::string key;                            // --key
    std::optional<util::Secret> key_passphrase; // --key-pass-file
    std::string request;                        // --request
};
// Checks the options and reads the passphrase; nothing is fetched yet.
util::Result<DecodePlan> plan_decode(const config::Options& options, std::string input, util::EventSink& events);

struct DecodeOutcome {
    scep::Decoded decoded;
    std::string bundle_source; // "--ca-bundle FILE", "GetCACert from URL", or empty without a bundle
    bool caps_known = false;   // GetCACaps answered
    std::string url;           // redacted, when one was contacted
};
// Reads the input and every file named, contacts the server when a URL is given, decodes.
// Errors: file (unreadable input, or not a SCEP structure), usage, and those of the exchange.
util::Result<DecodeOutcome> run_decode(const DecodePlan& plan, Collaborators& with);

} // namespace workflow
