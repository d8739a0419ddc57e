#include <catch2/catch.hpp>

#include "cli/checks.hpp"
#include "cli/exit_codes.hpp"

using cli::CheckReport;
using cli::CheckResult;
using cli::CheckStatus;
using util::ErrorCode;

TEST_CASE("xml_escape: markup, whitespace kept through attribute normalisation", "[checks][junit]") {
    CHECK(cli::xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
    CHECK(cli::xml_escape("line1\nline2\r\tx") == "line1&#10;line2&#13;&#9;x");
    CHECK(cli::xml_escape("") == "");
    CHECK(cli::xml_escape("&amp;") == "&amp;amp;"); // escaped text is escaped again, never trusted
}

TEST_CASE("xml_escape: characters XML 1.0 forbids become '?', valid UTF-8 stays", "[checks][junit]") {
    CHECK(cli::xml_escape(std::string("a\x01\x1f\x7f"
                                      "b",
                                      5)) == "a???b");
    CHECK(cli::xml_escape(std::string("nul\0end", 7)) == "nul?end");
    CHECK(cli::xml_escape("Gr\xc3\xbc\xc3\x9f"
                          "e \xe2\x82\xac \xf0\x9f\x94\x91") == "Gr\xc3\xbc\xc3\x9f"
                                                                "e \xe2\x82\xac \xf0\x9f\x94\x91");
    CHECK(cli::xml_escape("\xff\xfe") == "??");           // not UTF-8 at all
    CHECK(cli::xml_escape("\xc3") == "?");                // truncated sequence
    CHECK(cli::xml_escape("\xc0\xaf") == "??");           // overlong '/'
    CHECK(cli::xml_escape("\xed\xa0\x80") == "???");      // a UTF-16 surrogate
    CHECK(cli::xml_escape("\xef\xbf\xbe") == "???");      // U+FFFE is no XML character
    CHECK(cli::xml_escape("\xf4\x90\x80\x80") == "????"); // above U+10FFFF
    CHECK(cli::xml_escape("ok\xe2\x82"
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
    const std::string xml = cli::junit_xml("scepctl check-ndes", results);
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

TEST_CASE("check report: the exit code is the first failure's class", "[checks]") {
    cli::Output quiet({.json = true, .quiet = true, .verbose = false}); // JSON mode prints no check lines
    CheckReport report(quiet, ErrorCode::http_auth);
    report.add({.id = "a", .status = CheckStatus::warn, .summary = "meh"});
    CHECK(report.outcome());
    CHECK(report.first_failure() == nullptr);
    report.set_id_prefix("kerberos-");
    report.add({.id = "tgt", .status = CheckStatus::fail, .summary = "no ticket"}); // the report's default: 80
    report.set_id_prefix("");
    report.add(
        {.id = "expiry", .status = CheckStatus::fail, .summary = "expired", .error_code = ErrorCode::verification});
    REQUIRE(report.failures() == 2);
    CHECK(report.results()[1].id == "kerberos-tgt");
    auto outcome = report.outcome();
    REQUIRE_FALSE(outcome);
    CHECK(cli::exit_code_for(outcome.error()) == 80);
    CHECK(outcome.error().message == "2 check(s) failed; first: kerberos-tgt: no ticket");

    CheckReport ca_report(quiet, ErrorCode::internal);
    ca_report.add({.id = "enroll-test",
                   .status = CheckStatus::fail,
                   .summary = "refused",
                   .error_code = ErrorCode::ca_failure,
                   .fail_info = 2});
    ca_report.add({.id = "tls", .status = CheckStatus::fail, .summary = "untrusted", .error_code = ErrorCode::network});
    CHECK(cli::exit_code_for(ca_report.outcome().error()) == 72); // badRequest, from the first failure
}

TEST_CASE("check report JSON: the same keys for every check, null where unset", "[checks]") {
    cli::Output quiet({.json = true, .quiet = true, .verbose = false});
    CheckReport report(quiet, ErrorCode::internal);
    report.add({.id = "getcacaps",
                .status = CheckStatus::fail,
                .summary = "404",
                .http_status = 404,
                .error_code = ErrorCode::http_status});
    CHECK(report.checks_json().dump() ==
          R"([{"id":"getcacaps","status":"FAIL","summary":"404","evidence":"","krb5_error":null,"http_status":404,)"
          R"("spn":null,"fix":null}])");
}
