// The check report shared by check-kerberos and check-ndes: one PASS/WARN/FAIL/SKIP line per
// check with its evidence and, for WARN and FAIL, the fix; one JSON object; a JUnit XML file; and
// the exit code of the first failing check's class.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/json.hpp"
#include "cli/output.hpp"
#include "util/result.hpp"

namespace cli {

enum class CheckStatus { pass, warn, fail, skip };
const char* to_string(CheckStatus status); // "PASS", "WARN", "FAIL", "SKIP"

// Every member has a default initializer, so designated initializers may name only some.
struct CheckResult {
    std::string id{};
    CheckStatus status = CheckStatus::pass;
    std::string summary{};  // what was tested, and the outcome
    std::string evidence{}; // names, times, HTTP status, krb5 error name
    std::string krb5_error{};
    std::optional<long> http_status{};
    std::string spn{};
    std::string fix{}; // the admin action, for WARN and FAIL
    // What kind of failure a FAIL is, for the exit code (exit_code_for); unset: the report's default.
    std::optional<util::ErrorCode> error_code{};
    std::optional<int> fail_info{}; // with ErrorCode::ca_failure
    double seconds = 0;             // how long the check took (JUnit)
};

class CheckReport {
  public:
    // `default_failure`: the class of a FAIL that names none (check-kerberos: http_auth, exit 80).
    CheckReport(const Output& out, util::ErrorCode default_failure);

    // Ids of the results added from now on get this prefix ("kerberos-" inside check-ndes).
    void set_id_prefix(std::string prefix) { m_prefix = std::move(prefix); }
    // The class of the FAILs added from now on that name none.
    void set_default_failure(util::ErrorCode code) { m_default_failure = code; }
    // Records one result, timed since the previous one, and prints its line (and fix line).
    void add(CheckResult result);

    const std::vector<CheckResult>& results() const { return m_results; }
    std::size_t failures() const;
    const CheckResult* first_failure() const;

    // [{id, status, summary, evidence, krb5_error, http_status, spn, fix}, ...], null where unset.
    Json checks_json() const;
    // Nothing when no check failed; else an error of the first failure's class naming it.
    util::Result<void> outcome() const;

  private:
    const Output& m_out;
    util::ErrorCode m_default_failure;
    std::string m_prefix;
    std::vector<CheckResult> m_results;
    std::chrono::steady_clock::time_point m_last;
};

// Text safe inside XML 1.0 character data and attribute values: markup characters escaped,
// control characters XML forbids and invalid UTF-8 replaced by '?'.
std::string xml_escape(std::string_view text);

// JUnit XML: one <testsuite name=SUITE> with one <testcase> per check (classname SUITE, name =
// check id); FAIL as <failure message=SUMMARY type="FAIL">, SKIP as <skipped message=.../>, the
// evidence and fix in <system-out>.
std::string junit_xml(std::string_view suite, const std::vector<CheckResult>& results);

// Writes junit_xml atomically to `path` (0644), replacing an earlier report.
util::Result<void> write_junit(const std::filesystem::path& path, std::string_view suite,
                               const std::vector<CheckResult>& results);

} // namespace cli
