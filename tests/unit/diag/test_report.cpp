// diag/report: the check report of check-kerberos and check-ndes: results timed by the clock,
// ids prefixed, the exit class of the first failure, and the JUnit XML file.
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "diag/report.hpp"
#include "test_support.hpp"

using diag::CheckResult;
using diag::CheckStatus;
using diag::Report;
using util::ErrorCode;

namespace {

// A clock that moves only when the test moves it.
class FakeClock final : public workflow::Clock {
  public:
    std::chrono::steady_clock::time_point now() const override { return m_now; }
    bool sleep(std::chrono::seconds duration) override {
        m_now += duration;
        return true;
    }
    void advance(std::chrono::milliseconds duration) { m_now += duration; }

  private:
    std::chrono::steady_clock::time_point m_now{std::chrono::hours(1000)};
};

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t count = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++count;
    return count;
}

} // namespace

TEST_CASE("xml_escape: markup, whitespace kept through attribute normalisation", "[checks][junit]") {
    CHECK(diag::xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
    CHECK(diag::xml_escape("line1\nline2\r\tx") == "line1&#10;line2&#13;&#9;x");
    CHECK(diag::xml_escape("") == "");
    CHECK(diag::xml_escape("&amp;") == "&amp;amp;"); // escaped text is escaped again, never trusted
}

TEST_CASE("xml_escape: characters XML 1.0 forbids become '?', valid UTF-8 stays", "[checks][junit]") {
    CHECK(diag::xml_escape(std::string("a\x01\x1f\x7f"
                                       "b",
                                       5)) == "a???b");
    CHECK(diag::xml_escape(std::string("nul\0end", 7)) == "nul?end");
    CHECK(diag::xml_escape("Gr\xc3\xbc\xc3\x9f"
                           "e \xe2\x82\xac \xf0\x9f\x94\x91") == "Gr\xc3\xbc\xc3\x9f"
                                                                 "e \xe2\x82\xac \xf0\x9f\x94\x91");
    CHECK(diag::xml_escape("\xff\xfe") == "??");           // not UTF-8 at all
    CHECK(diag::xml_escape("\xc3") == "?");                // truncated sequence
    CHECK(diag::xml_escape("\xc0\xaf") == "??");           // overlong '/'
    CHECK(diag::xml_escape("\xed\xa0\x80") == "???");      // a UTF-16 surrogate
    CHECK(diag::xml_escape("\xef\xbf\xbe") == "???");      // U+FFFE is no XML character
    CHECK(diag::xml_escape("\xf4\x90\x80\x80") == "????"); // above U+10FFFF
    CHECK(diag::xml_escape("ok\xe2\x82"
                           "x") == "ok??x"); // cut off before the last byte
}

TEST_CASE("junit_xml: one testcase per check, failures and skips, counts", "[checks][junit]") {
    std::vector<CheckResult> results;
    results.push_back({.id = "tls", .status = CheckStatus::pass, .summary = "trusted", .evidence = "TLSv1.3"});
    results.push_back({.id = "expiry",
                       .status = CheckStatus::fail,
                       .summary = "ra-signing expired <yesterday> & \"today\"",
                       .evidence = "ra until 2020",
                       .fix = "renew the MSCEP-RA certificates"});
    results.push_back({.id = "challenge", .status = CheckStatus::skip, .summary = "no challenge URL"});
    results.push_back({.id = "caps", .status = CheckStatus::warn, .summary = "no POST", .fix = "raise limits"});
    const std::string xml = diag::junit_xml("scepctl check-ndes", results);
    CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
    CHECK(xml.find("<testsuite name=\"scepctl check-ndes\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\"") !=
          std::string::npos);
    CHECK(xml.find("<testcase classname=\"scepctl check-ndes\" name=\"tls\"") != std::string::npos);
    CHECK(xml.find("<failure message=\"ra-signing expired &lt;yesterday&gt; &amp; &quot;today&quot;\" "
                   "type=\"FAIL\">fix: renew the MSCEP-RA certificates</failure>") != std::string::npos);
    CHECK(xml.find("<skipped message=\"no challenge URL\"/>") != std::string::npos);
    CHECK(xml.find("WARN: no POST&#10;fix: raise limits") != std::string::npos); // a WARN passes, with its fix
    std::size_t cases = 0;
    for (auto at = xml.find("<testcase "); at != std::string::npos; at = xml.find("<testcase ", at + 1))
        ++cases;
    CHECK(cases == 4);
    CHECK(xml.find("<failure", xml.find("name=\"tls\"")) > xml.find("name=\"expiry\"")); // none for the PASS
}

TEST_CASE("junit_xml: times with millisecond precision, the suite's total", "[checks][junit]") {
    std::vector<CheckResult> results;
    results.push_back({.id = "a", .status = CheckStatus::pass, .summary = "ok", .seconds = 0.25});
    results.push_back({.id = "b", .status = CheckStatus::pass, .summary = "ok", .seconds = 1.5});
    const std::string xml = diag::junit_xml("s", results);
    CHECK(xml.find("<testcase classname=\"s\" name=\"a\" time=\"0.250\">") != std::string::npos);
    CHECK(xml.find("<testcase classname=\"s\" name=\"b\" time=\"1.500\">") != std::string::npos);
    CHECK(count_of(xml, "time=\"1.750\"") == 2); // <testsuites> and <testsuite>
    CHECK(xml.find("<system-out>PASS: ok</system-out>") != std::string::npos);
}

TEST_CASE("junit_xml: the information line goes into system-out", "[checks][junit]") {
    std::vector<CheckResult> results;
    results.push_back({.id = "spn-owner",
                       .status = CheckStatus::pass,
                       .summary = "HTTP/ndes is registered once",
                       .evidence = "owner svc-ndes",
                       .information = "the KDC does not say which account <owns> it"});
    results.push_back({.id = "delegation",
                       .status = CheckStatus::fail,
                       .summary = "no delegation",
                       .fix = "allow delegation",
                       .information = "constrained delegation needs S4U2Proxy"});
    const std::string xml = diag::junit_xml("scepctl check-kerberos", results);
    CHECK(xml.find("<system-out>PASS: HTTP/ndes is registered once&#10;evidence: owner svc-ndes&#10;info: the KDC "
                   "does not say which account &lt;owns&gt; it</system-out>") != std::string::npos);
    CHECK(xml.find("info: constrained delegation needs S4U2Proxy") != std::string::npos);
    // Without information there is no info line.
    results = {{.id = "x", .status = CheckStatus::pass, .summary = "ok"}};
    CHECK(diag::junit_xml("s", results).find("info:") == std::string::npos);
}

TEST_CASE("write_junit replaces an earlier report atomically", "[checks][junit]") {
    test::TempDir dir;
    const auto path = dir.path / "report.xml";
    test::write_file(path, util::as_bytes("old"));
    const std::vector<CheckResult> results{{.id = "tls", .status = CheckStatus::pass, .summary = "trusted"}};
    REQUIRE(diag::write_junit(path, "suite", results));
    CHECK(test::slurp(path) == diag::junit_xml("suite", results));
    CHECK(test::mode_of(path) == 0644);
    const auto missing_dir = diag::write_junit(dir.path / "no" / "report.xml", "suite", results);
    CHECK_FALSE(missing_dir);
}

TEST_CASE("check report: each result is timed since the one before, by the clock", "[checks]") {
    FakeClock clock;
    Report report(clock, ErrorCode::internal);
    clock.advance(std::chrono::milliseconds(1500));
    report.add({.id = "first", .status = CheckStatus::pass, .summary = "ok"});
    report.add({.id = "instant", .status = CheckStatus::pass, .summary = "ok"});
    clock.advance(std::chrono::milliseconds(250));
    // A time the check set itself is replaced: the report measures.
    report.add({.id = "third", .status = CheckStatus::pass, .summary = "ok", .seconds = 99});
    REQUIRE(report.results().size() == 3);
    CHECK(report.results()[0].seconds == Approx(1.5));
    CHECK(report.results()[1].seconds == Approx(0.0));
    CHECK(report.results()[2].seconds == Approx(0.25));
}

TEST_CASE("check report: on_result sees each result as it is added, with its prefix", "[checks]") {
    FakeClock clock;
    std::vector<CheckResult> seen;
    Report report(clock, ErrorCode::http_auth, [&seen](const CheckResult& result) { seen.push_back(result); });
    report.add({.id = "dns", .status = CheckStatus::pass, .summary = "ok"});
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].id == "dns");
    report.set_id_prefix("kerberos-");
    clock.advance(std::chrono::milliseconds(2000));
    report.add({.id = "tgt", .status = CheckStatus::fail, .summary = "no ticket"});
    REQUIRE(seen.size() == 2);
    CHECK(seen[1].id == "kerberos-tgt");
    CHECK(seen[1].seconds == Approx(2.0));
    CHECK(seen[1].error_code == ErrorCode::http_auth); // the default class filled in before it is shown
    CHECK(report.results()[1].id == "kerberos-tgt");
    // failed() looks a check up by its own id, without the prefix.
    CHECK(report.failed("tgt"));
    CHECK_FALSE(report.failed("kerberos-tgt"));
    CHECK_FALSE(report.failed("dns"));
    // A report without a callback works too.
    Report silent(clock, ErrorCode::internal);
    silent.add({.id = "x", .status = CheckStatus::pass, .summary = "ok"});
    CHECK(silent.results().size() == 1);
}

TEST_CASE("check report: the outcome is the first failure's class", "[checks]") {
    FakeClock clock;
    Report report(clock, ErrorCode::http_auth);
    report.add({.id = "a", .status = CheckStatus::warn, .summary = "meh"});
    report.add({.id = "b", .status = CheckStatus::skip, .summary = "not run"});
    CHECK(report.outcome());
    CHECK(report.first_failure() == nullptr);
    CHECK(report.failures() == 0);
    report.set_id_prefix("kerberos-");
    report.add({.id = "tgt", .status = CheckStatus::fail, .summary = "no ticket"}); // the report's default
    report.set_id_prefix("");
    report.add({.id = "expiry",
                .status = CheckStatus::fail,
                .summary = "expired",
                .http_status = 403,
                .error_code = ErrorCode::verification});
    REQUIRE(report.failures() == 2);
    REQUIRE(report.first_failure() != nullptr);
    CHECK(report.first_failure()->id == "kerberos-tgt");
    auto outcome = report.outcome();
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code == ErrorCode::http_auth);
    CHECK(outcome.error().message == "2 check(s) failed; first: kerberos-tgt: no ticket");

    Report ca_report(clock, ErrorCode::internal);
    ca_report.add({.id = "enroll-test",
                   .status = CheckStatus::fail,
                   .summary = "refused",
                   .http_status = 200,
                   .error_code = ErrorCode::ca_failure,
                   .fail_info = 2});
    ca_report.add({.id = "tls", .status = CheckStatus::fail, .summary = "untrusted", .error_code = ErrorCode::network});
    outcome = ca_report.outcome();
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code == ErrorCode::ca_failure); // badRequest, from the first failure
    CHECK(outcome.error().fail_info == 2);
    CHECK(outcome.error().http_status == 200);

    // set_default_failure applies to the FAILs added after it.
    Report changed(clock, ErrorCode::internal);
    changed.set_default_failure(ErrorCode::network);
    changed.add({.id = "kdc", .status = CheckStatus::fail, .summary = "unreachable"});
    CHECK(changed.results()[0].error_code == ErrorCode::network);
    CHECK(changed.outcome().error().code == ErrorCode::network);
}

TEST_CASE("CheckStatus names", "[checks]") {
    CHECK(std::string(diag::to_string(CheckStatus::pass)) == "PASS");
    CHECK(std::string(diag::to_string(CheckStatus::warn)) == "WARN");
    CHECK(std::string(diag::to_string(CheckStatus::fail)) == "FAIL");
    CHECK(std::string(diag::to_string(CheckStatus::skip)) == "SKIP");
}

TEST_CASE("check report: --skip-check shows a check's outcome without judging it", "[checks]") {
    FakeClock clock;
    Report report(clock, ErrorCode::http_auth);
    report.skip_checks({"delegation", "kerberos-clock", "no-such-check"});
    report.add({.id = "delegation", .status = CheckStatus::fail, .summary = "not configured", .fix = "ADUC"});
    report.set_id_prefix("kerberos-");
    report.add({.id = "clock", .status = CheckStatus::warn, .summary = "skew 200 s"});
    report.add({.id = "delegation", .status = CheckStatus::fail, .summary = "not configured"});
    report.add({.id = "tgt", .status = CheckStatus::fail, .summary = "no ticket"});
    const auto& results = report.results();
    REQUIRE(results.size() == 4);
    CHECK(results[0].status == CheckStatus::skip);
    CHECK(results[0].summary == "not judged (--skip-check), FAIL: not configured");
    CHECK(results[0].fix.empty());
    CHECK_FALSE(results[0].error_code);
    // With a prefix: the id with or without it matches.
    CHECK(results[1].status == CheckStatus::skip);
    CHECK(results[2].status == CheckStatus::skip);
    CHECK(results[3].status == CheckStatus::fail); // not named: judged as always
    CHECK(report.failures() == 1);
    CHECK_FALSE(report.failed("delegation"));
    CHECK(report.unmatched_skips() == std::vector<std::string>{"no-such-check"});
}
