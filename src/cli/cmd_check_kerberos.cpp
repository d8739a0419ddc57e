// scepctl check-kerberos: the Kerberos/Negotiate path to the NDES admin page, one check at a time.
#include "cli/app.hpp"
#include "cli/check_output.hpp"
#include "diag/kerberos_checks.hpp"
#include "store/atomic_file.hpp"
#include "util/url.hpp"

namespace cli {

util::Result<void> run_check_kerberos(Run& run) {
    SCEP_TRY(const diag::KerberosCheckPlan plan, diag::plan_kerberos_checks(run.options));
    const std::string junit = run.options.text("junit").value_or("");
    if (!junit.empty()) SCEP_TRY_VOID(store::check_new_files({junit}, store::Overwrite::replace, 0755));

    diag::Report report(run.with.clock, util::ErrorCode::http_auth,
                        [&out = run.out](const diag::CheckResult& result) { print_check(out, result); });
    report.skip_checks(run.options.list("skip-check"));
    const diag::KerberosCheckRun checked = diag::run_kerberos_checks(plan, run.with, report);
    for (const auto& id : report.unmatched_skips())
        run.out.warning("--skip-check " + id + " matched no check");
    Json result = Json::object();
    result.set("command", "check-kerberos")
        .set("url", checked.url.empty() ? Json() : Json(util::redact_url(checked.url)));
    if (!junit.empty()) SCEP_TRY_VOID(diag::write_junit(junit, "scepctl check-kerberos", report.results()));
    return finish_checks(run, std::move(result), report);
}

} // namespace cli
