// The check report shared by check-kerberos and check-ndes: one PASS/WARN/FAIL/SKIP result per
// check with its evidence and, for WARN and FAIL, the fix; the exit class of the first failure;
// and the JUnit XML file. The command line prints each result as it is added and renders JSON.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"
#include "workflow/context.hpp"

namespace diag {

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
    // What kind of failure a FAIL is, for the exit code; unset: the report's default.
    std::optional<util::ErrorCode> error_code{};
    std::optional<int> fail_info{}; // with ErrorCode::ca_failure
    std::string information{};      // a line that is neither pass nor fail (shown as INFO)
    double seconds = 0;             // how long the check took (JUnit, JSON)
};

class Report {
  public:
    // `default_failure`: the class of a FAIL that names none (check-kerberos: http_auth, exit 80).
    // `on_result` sees each result as it is added (the command line prints it).
    Report(const workflow::Clock& clock, util::ErrorCode default_failure,
           std::function<void(const CheckResult&)> on_result = {});

    // Ids of the results added from now on get this prefix ("kerberos-" inside check-ndes).
    void set_id_prefix(std::string prefix) { m_prefix = std::move(prefix); }
    // The class of the FAILs added from now on that name none.
    void set_default_failure(util::ErrorCode code) { m_default_failure = code; }
    // Checks that run but are not judged (--skip-check): their results become SKIP, their outcome
    // kept in the summary. An id may name a check with or without the current prefix.
    void skip_checks(std::vector<std::string> ids) { m_skipped = std::move(ids); }
    // The --skip-check ids that matched no check (the user is warned about them).
    std::vector<std::string> unmatched_skips() const;
    // Records one result, timed since the previous one.
    void add(CheckResult result);

    const std::vector<CheckResult>& results() const { return m_results; }
    std::size_t failures() const;
    const CheckResult* first_failure() const;
    bool failed(std::string_view id) const; // a FAIL with this id (without the prefix)

    // Nothing when no check failed; else an error of the first failure's class naming it.
    util::Result<void> outcome() const;

  private:
    const workflow::Clock& m_clock;
    util::ErrorCode m_default_failure;
    std::function<void(const CheckResult&)> m_on_result;
    std::string m_prefix;
    std::vector<CheckResult> m_results;
    std::vector<std::string> m_failed_ids;
    std::vector<std::string> m_skipped;
    std::vector<std::string> m_skips_matched;
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

} // namespace diag
