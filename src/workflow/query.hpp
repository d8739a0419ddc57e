// GetCert and GetCRL (RFC 8894 §3.3.4) as a workflow: the signer (an existing certificate with its
// key, or a self-signed one for a throw-away key), GetCACaps and a verified GetCACert, the exchange.
#pragma once

#include <optional>
#include <string>

#include "config/settings.hpp"
#include "scep/query.hpp"
#include "store/atomic_file.hpp"
#include "workflow/context.hpp"
#include "workflow/server.hpp"

namespace workflow {

struct QueryPlan {
    config::ServerSettings server;
    std::string key;                            // --key: signs the request and opens the reply
    std::optional<util::Secret> key_passphrase; // --key-pass-file
    std::optional<scep::Certificate> cert;      // --cert
    std::string out;                            // --out: where the certificate or CRL goes (PEM)
    store::Overwrite overwrite = store::Overwrite::refuse;
};
// Checks the options and --out before any request; reads --cert and the passphrase.
util::Result<QueryPlan> plan_query(const config::Options& options, util::EventSink& events);

struct PreparedQuery {
    Server server;
    scep::CaCertBundle ca;
    scep::Capabilities caps;
    scep::QueryRequest request; // everything but type and message data
};
// Loads or makes the signer; GetCACaps and a verified GetCACert. Without --key a throw-away RSA
// key signs a self-signed certificate.
util::Result<PreparedQuery> prepare_query(const QueryPlan& plan, Collaborators& with);

// Sends `type` with `message_data` and opens the reply. A refusal that looks like a server that
// does not implement the query says so (they are optional, §3.3.4).
util::Result<scep::QueryReply> run_query(PreparedQuery& query, scep::MessageType type, util::Bytes message_data,
                                         Collaborators& with);

} // namespace workflow
