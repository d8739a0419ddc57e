// scepctl getchallenge: a fresh one-time challenge from the NDES admin page, on stdout only.
#include <memory>

#include "cli/app.hpp"
#include "cli/challenge.hpp"
#include "util/url.hpp"

namespace cli {

namespace {

util::Result<void> run_getchallenge(Context& context, const ChallengeOptions& options) {
    SCEP_TRY(const std::optional<ChallengeSource> source, resolve_challenge_source(context, options));
    if (!source) {
        return util::Error(util::ErrorCode::usage,
                           "no challenge URL: pass --challenge-url URL, or --profile NAME whose CA has challenge_url");
    }
    SCEP_TRY(const FetchedChallenge fetched, fetch_challenge(*source, context.transport_options(), context.output));
    context.output.note("challenge fetched from " + transport::url_host(source->url) + " with " + fetched.auth + " (" +
                        fetched.detail + ")");
    // The one place the secret is printed: scripts capture it from stdout.
    context.output.line(std::string(fetched.challenge.view()));
    Json result = Json::object();
    result.set("command", "getchallenge")
        .set("url", util::redact_url(source->url))
        .set("auth", fetched.auth)
        .set("challenge", std::string(fetched.challenge.view()));
    context.output.json(result);
    return {};
}

} // namespace

void add_getchallenge(CLI::App& app, Context& context) {
    auto options = std::make_shared<ChallengeOptions>();
    auto* sub = app.add_subcommand("getchallenge",
                                   "Fetch a one-time challenge password from the NDES admin page (mscep_admin)");
    add_challenge_options(sub, *options);
    sub->callback(
        [&context, options] { context.command = [&context, options] { return run_getchallenge(context, *options); }; });
}

} // namespace cli
