#include "workflow/server.hpp"

namespace workflow {

Server open_server(config::ServerSettings settings, Collaborators& with) {
    Server server;
    server.transport = with.transports.open(settings.transport);
    server.client = std::make_unique<scep::Client>(*server.transport, settings.url);
    server.settings = std::move(settings);
    return server;
}

util::Result<scep::CaCertBundle> fetch_verified_ca(Server& server, Collaborators& with) {
    SCEP_TRY(scep::CaCertBundle bundle, server.client->get_ca_cert(server.settings.message, with.clock.now_unix()));
    if (server.settings.pin) {
        SCEP_TRY_VOID(scep::verify_ca_fingerprint(bundle, *server.settings.pin));
    } else {
        with.events.warning("no --ca-fingerprint given: the CA is not authenticated (it is " +
                            bundle.issuing_ca().subject() +
                            ", sha256:" + util::to_hex(bundle.issuing_ca().fingerprint(scep::DigestAlg::sha256)) + ")");
    }
    for (const auto& warning : bundle.warnings)
        with.events.warning(warning);
    return bundle;
}

util::Result<CaSession> contact_ca(Server& server, const scep::AlgorithmPreference& preference, Collaborators& with,
                                   std::optional<scep::CaCertBundle> cached) {
    SCEP_TRY(scep::CapsReply caps, server.client->get_ca_caps(server.settings.message));
    if (caps.http_error) with.events.warning(caps.http_error->message + "; continuing without capabilities");
    const bool from_cache = cached.has_value();
    if (!cached) {
        SCEP_TRY(cached, fetch_verified_ca(server, with));
    }
    SCEP_TRY(scep::AlgorithmChoice algorithms, scep::choose_algorithms(caps.caps, preference));
    return CaSession{std::move(caps), std::move(*cached), std::move(algorithms), from_cache};
}

} // namespace workflow
