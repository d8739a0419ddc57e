// What getcert and getcrl share (RFC 8894 §3.3.4): the signer (an existing certificate with its
// key, or a self-signed one), GetCACaps and a verified GetCACert, the exchange, the output file.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/app.hpp"
#include "cli/ca_connection.hpp"
#include "scep/query.hpp"
#include "store/atomic_file.hpp"

namespace cli {

struct QueryOptions {
    CaRequestOptions ca;
    std::string key;           // --key: signs the request (and opens the reply)
    std::string key_pass_file; // --key-pass-file
    std::string cert;          // --cert: signer certificate when it holds --key's public key
    std::string out;           // --out: where the certificate / CRL goes (PEM)
    bool force = false;
};

// --key, --key-pass-file, --out, --force and the CA options; `cert_help` explains --cert for
// the command (getcrl also asks about that certificate).
void add_query_options(CLI::App* sub, QueryOptions& options, const std::string& cert_help);

struct PreparedQuery {
    CaConnection connection;
    scep::CaCertBundle ca;
    scep::Capabilities caps;
    std::optional<scep::Certificate> cert;     // --cert, if given
    std::optional<scep::QueryRequest> request; // everything but type and message data; set once prepared
    store::Overwrite overwrite = store::Overwrite::refuse;
};

// Checks the options and --out before any request; loads or makes the signer; GetCACaps and a
// verified GetCACert. Without --key a throw-away RSA key signs a self-signed certificate.
util::Result<PreparedQuery> prepare_query(Context& context, const QueryOptions& options);

// Sends `type` with `message_data` and opens the reply; progress and warnings go to stderr.
util::Result<scep::QueryReply> run_query(Context& context, PreparedQuery& query, scep::MessageType type,
                                         util::Bytes message_data);

} // namespace cli
