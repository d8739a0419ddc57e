// scepctl enroll: a new certificate (PKCSReq, RFC 8894 §3.3.1), polling while the CA says PENDING.
#include "cli/app.hpp"
#include "cli/cert_output.hpp"
#include "cli/interrupt.hpp"
#include "util/url.hpp"
#include "workflow/enroll.hpp"

namespace cli {

namespace {

// [{field, asked, issued, setting}, ...]: what the CA issued otherwise than asked.
Json differences_json(const std::vector<workflow::IssuedDifference>& differences) {
    Json list = Json::array();
    for (const auto& d : differences) {
        Json item = Json::object();
        item.set("field", d.field).set("asked", d.asked).set("issued", d.issued).set("setting", d.setting);
        list.push(std::move(item));
    }
    return list;
}

} // namespace

util::Result<void> run_enroll(Run& run) {
    interrupt::install();
    SCEP_TRY(std::optional<util::Secret> challenge, given_challenge(run));
    SCEP_TRY(workflow::EnrollPlan plan,
             workflow::plan_enroll(run.options, run.environment, std::move(challenge), run.with.events));
    SCEP_TRY(std::optional<util::Secret> key_secret, given_key_secret(run));
    if (key_secret) plan.key_passphrase = std::move(key_secret);
    const std::string url = plan.server.url;
    const std::optional<scep::RequestedValidity> asked_validity = plan.request.validity;
    workflow::PendingRequest pending;
    auto enrolled = workflow::enroll(std::move(plan), run.with, &pending);
    if (!enrolled) {
        if (!pending.transaction_id.empty()) {
            // PENDING (or stopped while pending): what --resume needs, as fields.
            Json result = Json::object();
            result.set("command", "enroll")
                .set("url", util::redact_url(url))
                .set("status", "PENDING")
                .set("transaction_id", pending.transaction_id)
                .set("key", pending.key ? Json(pending.key->string()) : Json());
            run.result_on_error = std::move(result);
        }
        return std::move(enrolled).error();
    }
    const workflow::EnrollOutcome& outcome = *enrolled;

    const Output& out = run.out;
    const scep::Certificate& cert = outcome.result.certificate;
    const workflow::EnrollOutputs& files = outcome.outputs;
    print_certificate_summary(out, cert);
    Json paths = Json::object();
    const auto show = [&](const std::string& name, const std::optional<std::filesystem::path>& path) {
        if (path) show_file(out, paths, name, path->string());
    };
    show("key", files.write_key ? files.key : std::nullopt);
    show("cert", files.cert);
    show("chain", files.chain);
    show("p12", files.p12);
    Json result = Json::object();
    result.set("command", "enroll").set("url", util::redact_url(url));
    set_certificate_summary(result, cert);
    add_exchange_json(result, outcome.result, outcome.algorithms, outcome.resumed, outcome.challenge_sent,
                      outcome.challenge_origin);
    show_key_location(out, result, outcome.key);
    result.set("format", store::to_string(files.format))
        .set("files", std::move(paths))
        .set("warnings", Json::strings(outcome.result.warnings))
        .set("issued_differences", differences_json(outcome.differences))
        .set("validity", validity_json(asked_validity, cert));
    if (outcome.stopped_after_write) {
        run.result_on_error = std::move(result);
        return util::Error(util::ErrorCode::interrupted,
                           "after the certificate was written: the files above are complete and belong together");
    }
    out.json(result);
    return {};
}

} // namespace cli
