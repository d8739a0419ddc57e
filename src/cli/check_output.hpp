// How check-kerberos and check-ndes show their results: one PASS/WARN/FAIL/SKIP line per check as
// it is made (with an INFO line and a fix line where there is one), and the checks in JSON.
#pragma once

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

} // namespace cli
