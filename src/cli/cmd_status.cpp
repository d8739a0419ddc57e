// scepctl status: the state of the profiles' certificates (or the files given) for people, scripts
// (--json) and Prometheus (--prometheus FILE). Reads only; exit 85 when one is due, 86 when one
// is expired, not yet valid, unreadable or not its key's.
#include "cli/app.hpp"
#include "cli/exit_codes.hpp"
#include "util/time.hpp"
#include "workflow/status.hpp"

namespace cli {

namespace {

std::string when(std::int64_t unix_time) {
    return util::format_utc(static_cast<std::time_t>(unix_time));
}

Json renew_json(const workflow::CertStatus& cert) {
    if (!cert.last_renew) return Json();
    const store::RenewState& state = *cert.last_renew;
    Json json = Json::object();
    json.set("time", when(state.time))
        .set("outcome", state.outcome)
        .set("exit_code", state.exit_code)
        .set("last_success", state.last_success ? Json(when(*state.last_success)) : Json());
    return json;
}

Json cert_json(const workflow::CertStatus& cert) {
    Json json = Json::object();
    json.set("profile", cert.target.profile.empty() ? Json() : Json(cert.target.profile))
        .set("cert", cert.target.cert.string())
        .set("state", workflow::to_string(cert.state));
    if (cert.state == workflow::CertState::unreadable) {
        json.set("problem", cert.problem);
    } else {
        json.set("subject", cert.subject)
            .set("issuer", cert.issuer)
            .set("serial", cert.serial)
            .set("not_after", cert.not_after)
            .set("days_left", static_cast<long long>(cert.days_left))
            .set("days_before", cert.target.days_before)
            .set("due", cert.due)
            .set("key", workflow::to_string(cert.key))
            .set("key_note", cert.key_note.empty() ? Json() : Json(cert.key_note));
    }
    json.set("last_renew", renew_json(cert));
    if (!cert.last_renew_problem.empty()) json.set("last_renew_problem", cert.last_renew_problem);
    return json;
}

void show_cert(const Output& out, const workflow::CertStatus& cert) {
    out.line((cert.target.profile.empty() ? "" : "profile " + cert.target.profile + ": ") + cert.target.cert.string() +
             ": " + workflow::to_string(cert.state));
    if (cert.state == workflow::CertState::unreadable) {
        out.line("  problem:    " + cert.problem);
    } else {
        out.line("  subject:    " + cert.subject);
        out.line("  issuer:     " + cert.issuer);
        out.line("  serial:     " + cert.serial);
        out.line("  not after:  " + cert.not_after + " (" + std::to_string(cert.days_left) + " days left; due within " +
                 std::to_string(cert.target.days_before) + " days: " + (cert.due ? "yes" : "no") + ")");
        out.line("  key:        " + workflow::to_string(cert.key) +
                 (cert.key_note.empty() ? "" : " (" + cert.key_note + ")"));
    }
    if (cert.last_renew) {
        const store::RenewState& state = *cert.last_renew;
        out.line("  last renew: " + when(state.time) + " " + state.outcome + " (exit " +
                 std::to_string(state.exit_code) + ")" +
                 (state.last_success ? "; last success " + when(*state.last_success) : "; no success recorded"));
    } else {
        out.line("  last renew: " + (cert.last_renew_problem.empty() ? "none recorded" : cert.last_renew_problem));
    }
}

} // namespace

util::Result<void> run_status(Run& run) {
    const config::CommandLine none;
    SCEP_TRY(const workflow::StatusPlan plan,
             workflow::plan_status(run.line ? *run.line : none, run.options, run.environment));
    SCEP_TRY(const workflow::StatusReport report, workflow::status(plan, run.with));
    Json certs = Json::array();
    for (std::size_t i = 0; i < report.certs.size(); ++i) {
        if (i != 0) run.out.line("");
        show_cert(run.out, report.certs[i]);
        certs.push(cert_json(report.certs[i]));
    }
    const workflow::CertState worst = report.worst();
    run.exit_code = worst == workflow::CertState::fine  ? k_exit_ok
                    : worst == workflow::CertState::due ? k_exit_status_due
                                                        : k_exit_status_problem;
    Json result = Json::object();
    result.set("command", "status")
        .set("time", when(report.now))
        .set("state", workflow::to_string(worst))
        .set("exit_code", run.exit_code)
        .set("prometheus", plan.prometheus ? Json(plan.prometheus->string()) : Json())
        .set("certificates", std::move(certs));
    run.out.json(result);
    return {};
}

} // namespace cli
