// scepctl check-ndes: every check a CI pipeline needs to trust an NDES (or other SCEP) setup.
#include "cli/app.hpp"
#include "cli/check_output.hpp"
#include "diag/ndes_checks.hpp"
#include "store/atomic_file.hpp"
#include "util/url.hpp"

namespace cli {

util::Result<void> run_check_ndes(Run& run) {
    SCEP_TRY(std::optional<util::Secret> challenge, given_challenge(run));
    SCEP_TRY(diag::NdesCheckPlan plan, diag::plan_ndes_checks(run.options, run.environment, std::move(challenge)));
    const std::string junit = run.options.text("junit").value_or("");
    if (!junit.empty()) SCEP_TRY_VOID(store::check_new_files({junit}, store::Overwrite::replace, 0755));
    const std::string url = plan.server.url;

    diag::Report report(run.with.clock, util::ErrorCode::internal,
                        [&out = run.out](const diag::CheckResult& result) { print_check(out, result); });
    report.skip_checks(run.options.list("skip-check"));
    const diag::NdesCheckRun checked = diag::run_ndes_checks(std::move(plan), run.with, report);
    for (const auto& id : report.unmatched_skips())
        run.out.warning("--skip-check " + id + " matched no check");
    Json result = Json::object();
    result.set("command", "check-ndes").set("url", util::redact_url(url)).set("type", checked.type);
    if (!junit.empty()) SCEP_TRY_VOID(diag::write_junit(junit, "scepctl check-ndes", report.results()));
    return finish_checks(run, std::move(result), report);
}

} // namespace cli
