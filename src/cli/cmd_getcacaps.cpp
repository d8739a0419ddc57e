// scepctl getcacaps: what the server says it supports (RFC 8894 §3.5).
#include "cli/app.hpp"
#include "util/text.hpp"
#include "util/url.hpp"
#include "workflow/server.hpp"

namespace cli {

util::Result<void> run_getcacaps(Run& run) {
    SCEP_TRY(config::ServerSettings settings, config::server_settings(run.options));
    workflow::Server server = workflow::open_server(std::move(settings), run.with);
    SCEP_TRY(const scep::CapsReply reply, server.client->get_ca_caps(server.settings.message));
    // An HTTP error reads as "no capabilities" to the protocol (§3.5.2), but a user asking for
    // the caps must learn that the URL or the server is wrong.
    if (reply.http_error) return *reply.http_error;

    const scep::Capabilities& caps = reply.caps;
    const Output& out = run.out;
    for (const auto& keyword : caps.keywords())
        out.line(keyword);
    if (caps.empty()) {
        out.warning("the server advertises no capabilities (empty GetCACaps reply): clients fall back to GET, DES3"
                    " and SHA-1 (old NDES does this)");
    }
    if (const auto implied = caps.implied(); !implied.empty())
        out.note("SCEPStandard implies " + util::join(implied, ", "));
    for (const auto& keyword : caps.unknown())
        out.note("unknown capability '" + keyword + "' (shown, not used)");

    Json effective = Json::array();
    for (const auto& keyword : caps.keywords()) {
        if (scep::Capabilities::is_known(keyword)) effective.push(keyword);
    }
    for (const auto& keyword : caps.implied())
        effective.push(keyword);
    Json result = Json::object();
    result.set("command", "getcacaps")
        .set("url", util::redact_url(server.settings.url))
        .set("http_status", reply.http_status)
        .set("capabilities", Json::strings(caps.keywords()))
        .set("implied", Json::strings(caps.implied()))
        .set("unknown", Json::strings(caps.unknown()))
        .set("effective", std::move(effective));
    out.json(result);
    return {};
}

} // namespace cli
