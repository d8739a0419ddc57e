// How check-kerberos and check-ndes show their results: one PASS/WARN/FAIL/SKIP line per check as
// it is made (with an INFO line and a fix line where there is one), and the checks in JSON.
#pragma once

#include "cli/app.hpp"
#include "cli/json.hpp"
#include "cli/output.hpp"
#include "diag/report.hpp"

namespace cli {

// Prints one result: "STATUS  id: summary [evidence]", then "      info: ..." and, for WARN and
// FAIL, "      fix: ...".
void print_check(const Output& out, const diag::CheckResult& result);

// [{id, status, summary, evidence, krb5_error, http_status, spn, fix, information, seconds}, ...],
// null where unset.
Json checks_json(const std::vector<diag::CheckResult>& results);

// Ends a check command: `result` (command, url, ...) gains "result" (PASS or FAIL, the words of
// the text lines), "exit_code", "first_failure" (the id, or null) and "checks"; written as is when
// every check passed, else with the "error" object of the failure (the run's exit code).
util::Result<void> finish_checks(Run& run, Json result, const diag::Report& report);

} // namespace cli
