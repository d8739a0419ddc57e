// The start every command that talks to a CA shares: the URL, the message= parameter and the
// pinned CA fingerprint (flags over the CA's configuration), the transport and the client.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/app.hpp"
#include "scep/client.hpp"
#include "transport/curl_transport.hpp"

namespace cli {

struct CaRequestOptions {
    std::string message;        // [ca] message
    std::string ca_fingerprint; // [ca] ca_fingerprint
};

// --message and --ca-fingerprint, with the same help text everywhere.
void add_ca_request_options(CLI::App* sub, CaRequestOptions& options);

struct CaConnection {
    std::string url;
    std::string message;
    std::optional<scep::Fingerprint> pinned;
    std::unique_ptr<transport::CurlTransport> transport;
    std::unique_ptr<scep::Client> client;
};

// Resolves and checks URL, message and fingerprint; sends nothing yet.
util::Result<CaConnection> connect_ca(const Context& context, const CaRequestOptions& options);

// GetCACert for CA `message`, verified against the pinned fingerprint; without one, a warning
// names the CA. The bundle's own warnings (an expired RA certificate, ...) are printed too.
util::Result<scep::CaCertBundle> fetch_verified_ca(scep::Client& client, const std::string& message,
                                                   const std::optional<scep::Fingerprint>& pinned, const Output& out);
util::Result<scep::CaCertBundle> fetch_verified_ca(CaConnection& connection, const Output& out);

} // namespace cli
