// scepctl getcacaps: what the server says it supports (RFC 8894 §3.5).
#include <memory>

#include "cli/app.hpp"
#include "scep/client.hpp"
#include "util/url.hpp"

namespace cli {

namespace {

struct GetCaCapsOptions {
    std::string message;
};

util::Result<void> run_getcacaps(Context& context, GetCaCapsOptions options) {
    SCEP_TRY(const std::string url, context.scep_url());
    SCEP_TRY(const config::CaConfig* ca_config, context.ca());
    if (ca_config != nullptr && options.message.empty()) options.message = ca_config->message;
    transport::CurlTransport transport(context.transport_options());
    scep::Client client(transport, url);
    SCEP_TRY(const scep::CapsReply reply, client.get_ca_caps(options.message));
    // An HTTP error reads as "no capabilities" to the protocol (§3.5.2), but a user asking for
    // the caps must learn that the URL or the server is wrong.
    if (reply.http_error) return *reply.http_error;

    const scep::Capabilities& caps = reply.caps;
    const Output& out = context.output;
    for (const auto& keyword : caps.keywords())
        out.line(keyword);
    if (caps.empty()) {
        out.warning("the server advertises no capabilities (empty GetCACaps reply): clients fall back to GET, DES3"
                    " and SHA-1 (old NDES does this)");
    }
    if (const auto implied = caps.implied(); !implied.empty()) {
        std::string list;
        for (const auto& k : implied)
            list += (list.empty() ? "" : ", ") + k;
        out.note("SCEPStandard implies " + list);
    }
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
        .set("url", util::redact_url(url))
        .set("http_status", reply.http_status)
        .set("capabilities", Json::strings(caps.keywords()))
        .set("implied", Json::strings(caps.implied()))
        .set("unknown", Json::strings(caps.unknown()))
        .set("effective", std::move(effective));
    out.json(result);
    return {};
}

} // namespace

void add_getcacaps(CLI::App& app, Context& context) {
    auto options = std::make_shared<GetCaCapsOptions>();
    auto* sub = app.add_subcommand("getcacaps", "Show the capabilities the SCEP server advertises (GetCACaps)");
    sub->add_option("--message", options->message,
                    "CA identifier sent as the message= parameter (most servers ignore it)");
    sub->callback(
        [&context, options] { context.command = [&context, options] { return run_getcacaps(context, *options); }; });
}

} // namespace cli
