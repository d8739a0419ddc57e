// scepctl renew: re-enroll with the existing certificate and key (RFC 8894 §2.5), swap in the new
// key, certificate and chain as one unit, then run the deploy hook.
#include "cli/app.hpp"
#include "cli/cert_output.hpp"
#include "cli/exit_codes.hpp"
#include "cli/interrupt.hpp"
#include "cli/runtime.hpp"
#include "store/renew_state.hpp"
#include "util/url.hpp"
#include "workflow/renew.hpp"

namespace cli {

namespace {

void show_not_due(const Run& run, const workflow::RenewPlan& plan, const workflow::RenewOutcome& outcome) {
    const std::string cert = plan.files.cert.string();
    run.out.line("not due: " + cert + " is valid until " + outcome.old_cert.not_after() + " (" +
                 std::to_string(outcome.days_left) + " days left; renewing within " +
                 std::to_string(*plan.days_before) + " days of expiry, or with --force)");
    Json result = Json::object();
    result.set("command", "renew")
        .set("status", "not_due")
        .set("cert", cert)
        .set("serial", outcome.old_cert.serial_hex())
        .set("not_after", outcome.old_cert.not_after())
        .set("days_left", static_cast<long long>(outcome.days_left))
        .set("days_before", *plan.days_before)
        .set("recovery", store::to_string(outcome.recovery));
    run.out.json(result);
}

Json renewed_json(const workflow::RenewPlan& plan, const workflow::RenewOutcome& outcome, Json paths, Json backups) {
    const scep::EnrollmentResult& renewed = *outcome.result;
    Json result = Json::object();
    result.set("command", "renew").set("status", "renewed").set("url", util::redact_url(plan.server.url));
    set_certificate_summary(result, renewed.certificate);
    result.set("old_serial", outcome.old_cert.serial_hex())
        .set("message_type", scep::to_string(outcome.message_type))
        .set("fallback", outcome.fell_back)
        .set("new_key", outcome.new_key);
    add_exchange_json(result, renewed, outcome.algorithms, outcome.resumed, outcome.challenge_sent,
                      outcome.challenge_origin);
    result.set("files", std::move(paths))
        .set("backups", std::move(backups))
        .set("recovery", store::to_string(outcome.recovery))
        .set("warnings", Json::strings(renewed.warnings))
        .set("validity", validity_json(plan.request.validity, renewed.certificate));
    return result;
}

} // namespace

// The renewal and its output; `cert_file` names the certificate once the plan is made, `not_due` says
// that nothing was due.
util::Result<void> renew_and_show(Run& run, std::optional<std::filesystem::path>& cert_file, bool& not_due) {
    interrupt::install();
    SCEP_TRY(std::optional<util::Secret> challenge, given_challenge(run));
    SCEP_TRY(workflow::RenewPlan plan,
             workflow::plan_renew(run.options, run.environment, std::move(challenge), run.with.events));
    cert_file = plan.files.cert;
    SCEP_TRY(std::optional<util::Secret> key_secret, given_key_secret(run));
    if (key_secret) plan.key_passphrase = std::move(key_secret);
    const workflow::RenewPlan shown = plan; // what the output names; the workflow consumes the plan
    SCEP_TRY(const workflow::RenewOutcome outcome, workflow::renew(std::move(plan), run.with, test_pause_at));
    if (!outcome.due) {
        not_due = true;
        show_not_due(run, shown, outcome);
        return {};
    }

    const Output& out = run.out;
    const scep::Certificate& cert = outcome.result->certificate;
    print_certificate_summary(out, cert);
    out.line("renewed:    serial " + outcome.old_cert.serial_hex() + " -> " + cert.serial_hex() + " (" +
             scep::to_string(outcome.message_type) + (outcome.fell_back ? " after RenewalReq was refused" : "") + ", " +
             (outcome.new_key ? "new key" : "same key") + ")");
    Json paths = Json::object();
    if (shown.files.key_is_file()) show_file(out, paths, "key", shown.files.key.string());
    show_file(out, paths, "cert", shown.files.cert.string());
    show_file(out, paths, "chain", shown.files.chain.string());
    Json backups = Json::array();
    for (const auto& backup : outcome.backups) {
        out.line("backup:     " + backup.string());
        backups.push(backup.string());
    }
    Json result = renewed_json(shown, outcome, std::move(paths), std::move(backups));
    show_key_location(out, result, outcome.key);
    if (outcome.stopped_after_swap) {
        result.set("deploy_hook", Json());
        run.result_on_error = std::move(result);
        return util::Error(
            util::ErrorCode::interrupted,
            "after the renewal was complete (the new files are in place, the old ones in .bak)" +
                std::string(shown.deploy_hook.empty() ? "" : "; the deploy hook did not run: run it by hand"));
    }
    if (!outcome.hook_status) {
        result.set("deploy_hook", Json());
        out.json(result);
        return {};
    }
    const util::Result<int>& status = *outcome.hook_status;
    Json hook = Json::object();
    hook.set("command", shown.deploy_hook).set("exit_status", status ? Json(*status) : Json());
    result.set("deploy_hook", std::move(hook));
    if (!status || *status != 0) {
        run.result_on_error = result;
        if (!status) return util::Error(status.error()).context("--deploy-hook");
        return util::Error(util::ErrorCode::hook_failed,
                           "--deploy-hook exited with status " + std::to_string(*status) +
                               "; the renewal itself is complete (new files in place, the old ones in .bak): fix "
                               "the hook and run it by hand");
    }
    out.json(result);
    return {};
}

// Every run that got as far as knowing its certificate is recorded next to it for scepctl status:
// when, the outcome and the exit status. A record that cannot be written is a warning, never a
// reason to fail a renewal.
util::Result<void> run_renew(Run& run) {
    std::optional<std::filesystem::path> cert;
    bool not_due = false;
    util::Result<void> result = renew_and_show(run, cert, not_due);
    if (!cert) return result;
    int code = k_exit_ok;
    if (!result) {
        util::Error error = result.error();
        if (error.code == util::ErrorCode::interrupted && interrupt::received() != 0)
            error.signal = interrupt::received();
        code = exit_code_for(error);
    }
    const std::string outcome = !result ? "failed" : not_due ? "not_due" : "renewed";
    if (auto recorded = store::record_renew_run(*cert, run.with.clock.now_unix(), code, outcome); !recorded) {
        run.out.warning("the renew record for scepctl status was not written: " + recorded.error().message);
    }
    return result;
}

} // namespace cli
