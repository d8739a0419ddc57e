// scepctl getchallenge: a fresh one-time challenge from the NDES admin page, on stdout only.
#include "cli/app.hpp"
#include "transport/curl_transport.hpp"
#include "util/url.hpp"
#include "workflow/challenge.hpp"

namespace cli {

util::Result<void> run_getchallenge(Run& run) {
    SCEP_TRY(const config::ChallengePlan plan, config::challenge_plan(run.options));
    if (plan.admin_url.empty()) {
        return util::Error(util::ErrorCode::usage,
                           "no challenge URL: pass --challenge-url URL, or --profile NAME whose CA has challenge_url");
    }
    const transport::TransportOptions transport = config::transport_settings(run.options);
    SCEP_TRY(const ndes::FetchedChallenge fetched, workflow::fetch_challenge(plan, transport, run.with));
    run.out.note("challenge fetched from " + transport::url_host(plan.admin_url) + " with " + fetched.auth + " (" +
                 fetched.detail + ")");
    // The one place the secret is printed: scripts capture it from stdout.
    run.out.line(std::string(fetched.challenge.view()));
    Json result = Json::object();
    result.set("command", "getchallenge")
        .set("url", util::redact_url(plan.admin_url))
        .set("auth", fetched.auth)
        .set("challenge", std::string(fetched.challenge.view()));
    run.out.json(result);
    return {};
}

} // namespace cli
