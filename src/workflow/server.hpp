// A run's connection to one SCEP server, and the start every request shares: GetCACaps, a
// GetCACert checked against the pinned fingerprint, and the algorithms both sides support.
#pragma once

#include <memory>
#include <optional>

#include "config/settings.hpp"
#include "scep/client.hpp"
#include "scep/enrollment.hpp"
#include "workflow/context.hpp"

namespace workflow {

struct Server {
    config::ServerSettings settings;
    std::unique_ptr<scep::HttpTransport> transport;
    std::unique_ptr<scep::Client> client; // over `transport`
};
Server open_server(config::ServerSettings settings, Collaborators& with);

// GetCACert, verified against the pinned fingerprint; without one, a warning names the CA. The
// bundle's own warnings (an expired RA certificate, ...) are reported too.
util::Result<scep::CaCertBundle> fetch_verified_ca(Server& server, Collaborators& with);

struct CaSession {
    scep::CapsReply caps;
    scep::CaCertBundle ca;
    scep::AlgorithmChoice algorithms;
    bool from_cache = false; // `ca` came from --ca-cache, not from GetCACert
};
// GetCACaps (an HTTP error there only warns: RFC 8894 §3.5.2), the verified GetCACert (or
// `cached`, a bundle from --ca-cache already checked against the pin: no GetCACert), and the
// algorithms chosen from the caps and `preference`.
util::Result<CaSession> contact_ca(Server& server, const scep::AlgorithmPreference& preference, Collaborators& with,
                                   std::optional<scep::CaCertBundle> cached = std::nullopt);

} // namespace workflow
