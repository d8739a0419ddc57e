// diag::run_ndes_checks against fakes: replies replayed from tests/data, a clock set where a test
// needs it, and the enrollment test's PKIOperation answered by the NDES-like fixture
// (tests/fixtures/ndes_fixture.py) over a pipe. What the CA received is read back with the
// openssl CLI (test::csr_text_of), not with scepctl's code.
#include <catch2/catch.hpp>

#include "diag/ndes_checks.hpp"
#include "diag/probe_key.hpp"
#include "fake_collaborators.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using config::Command;
using diag::CheckStatus;

const std::string k_url = "https://ndes.example.test/certsrv/mscep/mscep.dll";
const std::string k_admin_url = "https://ndes.example.test/certsrv/mscep_admin/";
constexpr std::int64_t k_2029_06_01 = 1874966400; // after the RA certificates' notAfter (2028-11-22)

// The page IIS request filtering sends for a query string over maxQueryString (as the NDES
// fixture serves it, tests/fixtures/ndes_fixture.py IIS_40415).
const std::string k_iis_40415 =
    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\">\r\n<html><head><title>404.15 Query String Too "
    "Long</title></head><body><h2>HTTP Error 404.15 - Not Found</h2><h3>The request filtering module is configured "
    "to deny a request where the query string is too long.</h3></body></html>\r\n";

diag::NdesCheckPlan plan_for(const config::CommandLine& line, std::optional<util::Secret> challenge = std::nullopt) {
    auto plan = diag::plan_ndes_checks(test::resolve_options(Command::check_ndes, line), test::no_environment(),
                                       std::move(challenge));
    if (!plan) FAIL(plan.error().message);
    return std::move(plan).value();
}

// One check-ndes run over the fakes.
struct Checked {
    test::Fakes fakes;
    diag::Report report{fakes.clock, util::ErrorCode::internal};

    void run(diag::NdesCheckPlan plan) { diag::run_ndes_checks(std::move(plan), fakes.with, report); }
    const diag::CheckResult& result(const std::string& id) const {
        for (const auto& r : report.results()) {
            if (r.id == id) return r;
        }
        FAIL("no check " + id);
        throw std::logic_error("unreachable");
    }
    CheckStatus status(const std::string& id) const { return result(id).status; }
};

void add_caps(test::FakeTransports& transports, std::string_view caps) {
    transports.add(200, "text/plain", util::as_bytes(caps));
}

void add_ca_cert(test::FakeTransports& transports, const util::Bytes& bundle) {
    transports.add(200, "application/x-x509-ca-ra-cert", bundle);
}

// A GetCACert bundle made by the openssl CLI from PEM files of tests/data/openssl.
util::Bytes bundle_of(const std::vector<std::string>& pems) {
    test::TempDir dir;
    std::string command = "openssl crl2pkcs7 -nocrl -outform DER -out " + (dir.path / "bundle.p7b").string();
    for (const auto& pem : pems)
        command += " -certfile " + test::data_path("openssl/" + pem);
    int status = 0;
    const std::string output = test::shell(command, status);
    if (status != 0) FAIL("openssl crl2pkcs7: " + output);
    const std::string der = test::slurp(dir.path / "bundle.p7b");
    return util::Bytes(der.begin(), der.end());
}

const std::string k_no_post_caps = "Renewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n"; // NDES with POST off

} // namespace

TEST_CASE("check-ndes: an unreachable server fails reachability and skips the rest", "[ndes-checks]") {
    Checked checked;
    checked.fakes.transports.add(util::Error(util::ErrorCode::network, "Could not connect to ndes.example.test"));
    checked.run(plan_for({{"url", {k_url}}}));
    CHECK(checked.status("reachability") == CheckStatus::fail);
    CHECK(checked.result("reachability").error_code == util::ErrorCode::network);
    CHECK_THAT(checked.result("reachability").fix, Catch::Contains("DNS"));
    for (const char* id : {"tls", "getcacaps", "getcacert", "ca-fingerprint", "ra-certs", "expiry", "get-url-length",
                           "challenge", "enroll-test"}) {
        INFO(id);
        CHECK(checked.status(id) == CheckStatus::skip);
    }
    CHECK(checked.fakes.transports.replay.urls.size() == 1);
    REQUIRE_FALSE(checked.report.outcome());
    CHECK(checked.report.outcome().error().code == util::ErrorCode::network);
}

TEST_CASE("check-ndes: RA certificates past their notAfter fail the expiry check with the RA fix", "[ndes-checks]") {
    Checked checked;
    const scep::Certificate ra = test::certificate("openssl/ra-sign.pem");
    struct Case {
        std::int64_t now;
        CheckStatus status;
        const char* says;
    };
    const Case c = GENERATE_COPY(Case{k_2029_06_01, CheckStatus::fail, "certificate expired on 2028-11-22"},
                                 Case{ra.not_after_unix() - 10 * 24 * 3600, CheckStatus::warn, "expires in 10 days"});
    checked.fakes.clock.unix_now = c.now;
    add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
    add_ca_cert(checked.fakes.transports, test::read_data("openssl/getcacert-ndes.p7b"));
    checked.fakes.transports.add(404, "text/html", util::as_bytes(k_iis_40415));
    checked.run(plan_for({{"url", {k_url}}, {"type", {"microsoft"}}}));
    INFO(checked.result("expiry").summary);
    CHECK(checked.status("getcacert") == CheckStatus::pass);
    CHECK(checked.status("expiry") == c.status);
    CHECK_THAT(checked.result("expiry").summary, Catch::Contains(c.says));
    CHECK_THAT(checked.result("expiry").fix, Catch::Contains("renew the MSCEP-RA certificates"));
    if (c.status == CheckStatus::fail) CHECK(checked.result("expiry").error_code == util::ErrorCode::verification);
}

TEST_CASE("check-ndes: certificates valid for long pass the expiry check", "[ndes-checks]") {
    Checked checked;
    checked.fakes.clock.unix_now = test::certificate("openssl/ra-sign.pem").not_before_unix() + 24 * 3600;
    add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
    add_ca_cert(checked.fakes.transports, test::read_data("openssl/getcacert-ndes.p7b"));
    checked.fakes.transports.add(404, "text/html", util::as_bytes(k_iis_40415));
    checked.run(plan_for({{"url", {k_url}}, {"type", {"microsoft"}}}));
    CHECK(checked.status("expiry") == CheckStatus::pass);
    CHECK(checked.status("ra-certs") == CheckStatus::pass);
}

TEST_CASE("check-ndes --type microsoft: a bundle with one RA certificate fails ra-certs", "[ndes-checks]") {
    Checked checked;
    add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
    add_ca_cert(checked.fakes.transports, bundle_of({"ca.pem", "ra-sign.pem"}));
    checked.fakes.transports.add(404, "text/html", util::as_bytes(k_iis_40415));
    checked.run(plan_for({{"url", {k_url}}, {"type", {"microsoft"}}}));
    INFO(checked.result("ra-certs").summary);
    CHECK(checked.status("getcacert") == CheckStatus::pass);
    CHECK(checked.status("ra-certs") == CheckStatus::fail);
    CHECK_THAT(checked.result("ra-certs").summary, Catch::Contains("1 signing, 0 encryption"));
    CHECK_THAT(checked.result("ra-certs").fix, Catch::Contains("CEP Encryption"));
    CHECK_THAT(checked.result("ra-certs").evidence, Catch::Contains("type microsoft (--type)"));
}

TEST_CASE("check-ndes --type generic: the same bundle is fine", "[ndes-checks]") {
    Checked checked;
    add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
    add_ca_cert(checked.fakes.transports, bundle_of({"ca.pem", "ra-sign.pem"}));
    checked.fakes.transports.add(404, "text/html", util::as_bytes(k_iis_40415));
    checked.run(plan_for({{"url", {k_url}}, {"type", {"generic"}}}));
    CHECK(checked.status("ra-certs") == CheckStatus::pass);
}

TEST_CASE("check-ndes: GetCACaps without POSTPKIOperation warns; a 404.15 then fails get-url-length", "[ndes-checks]") {
    Checked checked;
    add_caps(checked.fakes.transports, k_no_post_caps);
    add_ca_cert(checked.fakes.transports, test::read_data("openssl/getcacert-ndes.p7b"));
    checked.fakes.transports.add(404, "text/html", util::as_bytes(k_iis_40415));
    checked.run(plan_for({{"url", {k_url}}}));
    CHECK(checked.status("getcacaps") == CheckStatus::warn);
    CHECK_THAT(checked.result("getcacaps").summary, Catch::Contains("no POSTPKIOperation"));
    CHECK_THAT(checked.result("getcacaps").fix, Catch::Contains("maxQueryString"));
    CHECK(checked.status("get-url-length") == CheckStatus::fail);
    CHECK_THAT(checked.result("get-url-length").summary, Catch::Contains("404.15"));
    CHECK_THAT(checked.result("get-url-length").summary, Catch::Contains("offers no POST"));
    // The test request went by GET in the URL, after GetCACaps and GetCACert.
    const auto& requests = checked.fakes.transports.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[2].method == "GET");
    CHECK(requests[2].url.find("operation=PKIOperation&message=") != std::string::npos);
}

TEST_CASE("check-ndes: a 404.15 with POST advertised only warns", "[ndes-checks]") {
    Checked checked;
    add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
    add_ca_cert(checked.fakes.transports, test::read_data("openssl/getcacert-ndes.p7b"));
    checked.fakes.transports.add(404, "text/html", util::as_bytes(k_iis_40415));
    checked.run(plan_for({{"url", {k_url}}}));
    CHECK(checked.status("getcacaps") == CheckStatus::pass);
    CHECK(checked.status("get-url-length") == CheckStatus::warn);
    CHECK_THAT(checked.result("get-url-length").summary, Catch::Contains("(404.15: query string too long)"));
    CHECK_THAT(checked.result("get-url-length").summary, Catch::Contains("clients that POST are not affected"));
    CHECK_THAT(checked.result("get-url-length").fix, Catch::Contains("maxQueryString"));
}

TEST_CASE("check-ndes --enroll-test sends the profile's request; a given challenge is used, not fetched",
          "[ndes-checks][enroll-test]") {
    struct Case {
        const char* key_usage;
        const char* usage_line; // openssl's X509v3 Key Usage line
    };
    const Case c = GENERATE(Case{"encryption", "Key Encipherment"}, Case{"signature", "Digital Signature"});
    test::TempDir dir;
    const fs::path config = dir.path / "config.toml";
    test::write_file(config, util::as_bytes("[ca.ndes]\n"
                                            "scep_url = \"" +
                                            k_url +
                                            "\"\n"
                                            "challenge_url = \"" +
                                            k_admin_url +
                                            "\"\n"
                                            "type = \"microsoft\"\n"
                                            "[profile.router]\n"
                                            "ca = \"ndes\"\n"
                                            "subject = \"CN=router-7,OU=Edge,O=Example\"\n"
                                            "key_size = 3072\n"
                                            "key_usage = \"" +
                                            c.key_usage +
                                            "\"\n"
                                            "eku = [\"clientAuth\"]\n"
                                            "san = [\"dns:router-7.example.test\", \"ip:192.0.2.7\"]\n"
                                            "validity = \"90d\"\n"));
    Checked checked;
    test::NdesFixture fixture(dir.path / "fixture", {"--challenge", "GIVEN-CHALLENGE-7"});
    // The enrollment (POST) goes to the fixture; the URL-length probe (GET) gets the 404.15.
    checked.fakes.transports.responder = [&fixture](const std::string& method, const std::string& url,
                                                    util::ByteView body) {
        return method == "POST" ? fixture.answer(method, url, body) : std::nullopt;
    };
    add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
    add_ca_cert(checked.fakes.transports, test::read_data("openssl/getcacert-ndes.p7b"));
    checked.fakes.transports.add(404, "text/html", util::as_bytes(k_iis_40415));
    const diag::NdesCheckPlan plan =
        plan_for({{"config", {config.string()}}, {"profile", {"router"}}, {"enroll-test", {}}},
                 util::Secret("GIVEN-CHALLENGE-7"));
    CHECK_FALSE(plan.challenge_page); // given: the page is not even planned
    checked.run(plan);
    INFO(checked.result("enroll-test").summary);
    CHECK(checked.status("challenge") == CheckStatus::pass);
    CHECK_THAT(checked.result("challenge").summary, Catch::Contains("was given"));
    CHECK(checked.status("enroll-test") == CheckStatus::pass);
    CHECK_THAT(checked.result("enroll-test").summary, Catch::Contains("3072-bit " + std::string(c.key_usage)));
    for (const auto& url : checked.fakes.transports.replay.urls)
        CHECK(url.find("mscep_admin") == std::string::npos);
    REQUIRE(fixture.pki_operations == 1);

    const std::string csr = test::csr_text_of(test::NdesFixture::request_file(dir.path / "fixture", 1));
    INFO(csr);
    CHECK(csr.find("Subject: CN=router-7,OU=Edge,O=Example\n") != std::string::npos);
    CHECK(csr.find("Public-Key: (3072 bit)") != std::string::npos);
    const auto usage = csr.find("X509v3 Key Usage: critical\n");
    REQUIRE(usage != std::string::npos);
    const auto line_start = usage + std::string("X509v3 Key Usage: critical\n").size();
    const std::string usage_value(
        util::trim_ascii(std::string_view(csr).substr(line_start, csr.find('\n', line_start) - line_start)));
    CHECK(usage_value == c.usage_line); // only the profile's usage: NDES picks the template from it
    CHECK(csr.find("TLS Web Client Authentication") != std::string::npos);
    CHECK(csr.find("DNS:router-7.example.test") != std::string::npos);
    CHECK(csr.find("IP Address:192.0.2.7") != std::string::npos);
    CHECK(csr.find("challengePassword        :GIVEN-CHALLENGE-7") != std::string::npos);
    // The fixture accepted the challenge and issued what was asked for, the profile's validity too.
    const std::string events = test::NdesFixture::events(dir.path / "fixture");
    CHECK(events.find("\"challenge\": \"ok\"") != std::string::npos);
    CHECK(events.find("\"requestedValidity\": \"90 Days\"") != std::string::npos);
}

TEST_CASE("check-ndes --enroll-test without a given challenge fetches one from the CA's page and sends it",
          "[ndes-checks][enroll-test]") {
    test::TempDir dir;
    Checked checked;
    test::NdesFixture fixture(dir.path / "fixture", {"--challenge", "8CE317021F690069"});
    checked.fakes.transports.responder = [&fixture](const std::string& method, const std::string& url,
                                                    util::ByteView body) {
        return method == "POST" ? fixture.answer(method, url, body) : std::nullopt;
    };
    add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
    add_ca_cert(checked.fakes.transports, test::read_data("openssl/getcacert-ndes.p7b"));
    checked.fakes.transports.add(404, "text/html", util::as_bytes(k_iis_40415));
    checked.fakes.transports.add(200, "text/html; charset=utf-8", test::read_data("ndes/password-16.utf8.html"));
    checked.run(plan_for(
        {{"url", {k_url}}, {"challenge-url", {k_admin_url}}, {"enroll-test", {}}, {"subject", {"CN=fetched"}}}));
    INFO(checked.result("enroll-test").summary);
    CHECK(checked.status("challenge") == CheckStatus::pass);
    CHECK(checked.status("enroll-test") == CheckStatus::pass);
    const auto& urls = checked.fakes.transports.replay.urls;
    REQUIRE(urls.size() == 5);
    CHECK(urls[3] == k_admin_url);
    CHECK(urls[4].find("PKIOperation") != std::string::npos);
    const std::string csr = test::csr_text_of(test::NdesFixture::request_file(dir.path / "fixture", 1));
    CHECK(csr.find("challengePassword        :8CE317021F690069") != std::string::npos);
}

// Issue 18: only a CertRep or a documented URL-limit answer is a server at work; every other
// answer to the probe FAILs with what it means on NDES and the fix (../shared/ndes-kerberos.md).
TEST_CASE("check-ndes: a probe answered 503, 500, 403 or 200 without a CertRep fails with cause and fix",
          "[ndes-checks]") {
    struct Case {
        long status;
        const char* body;
        const char* cause;
        const char* fix;
    };
    const Case c = GENERATE(
        Case{503, "<h2>Service Unavailable</h2>", "application pool is stopped", "start the SCEP application pool"},
        Case{500, "<h2>500 - Internal server error.</h2>", "could not decrypt or process",
             "MSCEP-RA certificates are present, unexpired"},
        Case{403, "<h2>403 - Forbidden: Access is denied.</h2>", "forbids the request",
             "IP Address and Domain Restrictions"},
        Case{200, "<html>a captive portal</html>", "without a CertRep", "check that the URL is the SCEP endpoint"});
    Checked checked;
    add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
    add_ca_cert(checked.fakes.transports, test::read_data("openssl/getcacert-ndes.p7b"));
    checked.fakes.transports.add(c.status, "text/html", util::as_bytes(c.body));
    checked.run(plan_for({{"url", {k_url}}}));
    const auto& probe = checked.result("get-url-length");
    INFO(probe.summary);
    CHECK(probe.status == CheckStatus::fail);
    CHECK(probe.http_status == c.status);
    CHECK_THAT(probe.summary, Catch::Contains("HTTP " + std::to_string(c.status)));
    CHECK_THAT(probe.summary, Catch::Contains(c.cause));
    CHECK_THAT(probe.fix, Catch::Contains(c.fix));
    CHECK(probe.error_code == util::ErrorCode::http_status);
    REQUIRE_FALSE(checked.report.outcome());
    CHECK_THAT(checked.report.outcome().error().message, Catch::Contains("first: get-url-length"));
}

TEST_CASE("check-ndes: GetCACaps and GetCACert answered 503 or 500 fail with the NDES cause and fix", "[ndes-checks]") {
    SECTION("GetCACaps 503: the app pool") {
        Checked checked;
        checked.fakes.transports.add(503, "text/html", util::as_bytes("<h2>Service Unavailable</h2>"));
        checked.run(plan_for({{"url", {k_url}}}));
        const auto& caps = checked.result("getcacaps");
        CHECK(caps.status == CheckStatus::fail);
        CHECK_THAT(caps.summary, Catch::Contains("GetCACaps: HTTP 503: the SCEP application pool is stopped"));
        CHECK_THAT(caps.fix, Catch::Contains("start the SCEP application pool"));
        CHECK_THAT(caps.fix, Catch::Contains("Identity"));
    }
    SECTION("GetCACert 500: the RA certificates and the service account") {
        Checked checked;
        add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
        checked.fakes.transports.add(500, "text/html", util::as_bytes("<h2>500 - Internal server error.</h2>"));
        checked.run(plan_for({{"url", {k_url}}}));
        const auto& cacert = checked.result("getcacert");
        CHECK(cacert.status == CheckStatus::fail);
        CHECK_THAT(cacert.summary, Catch::Contains("GetCACert: HTTP 500"));
        CHECK_THAT(cacert.fix, Catch::Contains("Application log"));
        CHECK_THAT(cacert.fix, Catch::Contains("Read and Enroll"));
    }
}

TEST_CASE("check-ndes: the URL-length probe is signed with the documented probe key, not a generated one",
          "[ndes-checks]") {
    test::TempDir dir;
    Checked checked;
    test::NdesFixture fixture(dir.path / "fixture", {});
    // The probe (a GET PKIOperation) goes to the fixture, which keeps the CSR it decrypted.
    checked.fakes.transports.responder = [&fixture](const std::string& method, const std::string& url,
                                                    util::ByteView body) {
        return url.find("PKIOperation") != std::string::npos ? fixture.answer(method, url, body) : std::nullopt;
    };
    add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
    add_ca_cert(checked.fakes.transports, test::read_data("openssl/getcacert-ndes.p7b"));
    checked.run(plan_for({{"url", {k_url}}}));
    INFO(checked.result("get-url-length").summary);
    CHECK(checked.status("get-url-length") == CheckStatus::pass);
    CHECK_THAT(checked.result("get-url-length").evidence, Catch::Contains("CertRep FAILURE"));
    // The public key of the CSR the fixture received, hashed by the openssl CLI (the CSR's own
    // signature is broken on purpose: openssl reads it without verifying).
    const fs::path csr = dir.path / "probe-csr.der";
    test::extract_csr(test::NdesFixture::request_file(dir.path / "fixture", 1), csr);
    int status = 0;
    const std::string spki_sha256 = test::shell("openssl req -inform DER -in '" + csr.string() +
                                                    "' -noout -pubkey | openssl pkey -pubin -outform DER | "
                                                    "openssl dgst -sha256 -r | cut -d' ' -f1",
                                                status);
    CHECK(util::trim_ascii(spki_sha256) == diag::k_probe_key_spki_sha256);
    const std::string text = test::shell("openssl req -inform DER -in '" + csr.string() + "' -noout -text", status);
    CHECK(text.find("Public-Key: (4096 bit)") != std::string::npos);
}

namespace {

// A check-ndes --enroll-test run whose PKIOperations the fixture answers with `fixture_args`.
struct EnrollTest {
    test::TempDir dir;
    Checked checked;
    std::unique_ptr<test::NdesFixture> fixture;

    void run(const std::vector<std::string>& fixture_args, bool strict) {
        fixture = std::make_unique<test::NdesFixture>(dir.path / "fixture", fixture_args);
        checked.fakes.transports.responder = [this](const std::string& method, const std::string& url,
                                                    util::ByteView body) {
            return method == "POST" ? fixture->answer(method, url, body) : std::nullopt;
        };
        add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
        add_ca_cert(checked.fakes.transports, test::read_data("openssl/getcacert-ndes.p7b"));
        checked.fakes.transports.add(404, "text/html", util::as_bytes(k_iis_40415));
        config::CommandLine line{{"url", {k_url}},
                                 {"enroll-test", {}},
                                 {"subject", {"CN=router-9,O=Example"}},
                                 {"san", {"dns:router-9.example.test"}},
                                 {"eku", {"clientAuth"}}};
        if (strict) line["strict"] = {};
        checked.run(plan_for(line, util::Secret("GIVEN-CHALLENGE-9")));
    }
};

} // namespace

TEST_CASE("check-ndes --enroll-test compares the certificate with the request and names the template setting",
          "[ndes-checks][enroll-test]") {
    struct Case {
        const char* template_mode;
        bool strict;
        CheckStatus status;
        const char* difference;
        const char* setting;
    };
    const Case c = GENERATE(Case{"drop-sans", false, CheckStatus::warn,
                                 "subjectAltName: asked DNS:router-9.example.test, issued none",
                                 "Subject Name tab is not 'Supply in the request'"},
                            Case{"drop-sans", true, CheckStatus::fail,
                                 "subjectAltName: asked DNS:router-9.example.test", "Supply in the request"},
                            Case{"replace-eku", false, CheckStatus::warn, "extendedKeyUsage: asked clientAuth, issued ",
                                 "Application Policies"});
    EnrollTest test;
    test.run({"--challenge", "GIVEN-CHALLENGE-9", "--template", c.template_mode}, c.strict);
    const auto& enrolled = test.checked.result("enroll-test");
    INFO(enrolled.summary);
    CHECK(enrolled.status == c.status);
    CHECK_THAT(enrolled.summary, Catch::Contains("enrolled 'CN=router-9,O=Example'"));
    CHECK_THAT(enrolled.summary, Catch::Contains(c.difference));
    CHECK_THAT(enrolled.fix, Catch::Contains(c.setting));
    if (c.strict) CHECK(enrolled.error_code == util::ErrorCode::verification);
}

TEST_CASE("check-ndes --enroll-test: a certificate as asked passes; --strict needs --enroll-test",
          "[ndes-checks][enroll-test]") {
    EnrollTest test;
    test.run({"--challenge", "GIVEN-CHALLENGE-9"}, true);
    INFO(test.checked.result("enroll-test").summary);
    CHECK(test.checked.status("enroll-test") == CheckStatus::pass);
    auto plan = diag::plan_ndes_checks(test::resolve_options(Command::check_ndes, {{"url", {k_url}}, {"strict", {}}}),
                                       test::no_environment(), std::nullopt);
    REQUIRE_FALSE(plan);
    CHECK(plan.error().code == util::ErrorCode::usage);
    CHECK_THAT(plan.error().message, Catch::Contains("add --enroll-test"));
}

TEST_CASE("check-ndes: an admin page answering 503 or 500 fails the challenge check with the NDES fix",
          "[ndes-checks]") {
    struct Case {
        long status;
        const char* cause;
        const char* fix;
    };
    const Case c = GENERATE(Case{503, "the SCEP application pool is stopped", "start the SCEP application pool"},
                            Case{500, "NDES failed to make a password", "EncryptedPassword"});
    Checked checked;
    add_caps(checked.fakes.transports, test::read_text("openssl/caps-ndes-2016.txt"));
    add_ca_cert(checked.fakes.transports, test::read_data("openssl/getcacert-ndes.p7b"));
    checked.fakes.transports.add(404, "text/html", util::as_bytes(k_iis_40415));
    checked.fakes.transports.add(c.status, "text/html", util::as_bytes("<h2>error</h2>"));
    checked.run(plan_for({{"url", {k_url}}, {"challenge-url", {k_admin_url}}}));
    const auto& challenge = checked.result("challenge");
    INFO(challenge.summary);
    CHECK(challenge.status == CheckStatus::fail);
    CHECK(challenge.http_status == c.status);
    CHECK_THAT(challenge.summary, Catch::Contains(c.cause));
    CHECK_THAT(challenge.fix, Catch::Contains(c.fix));
}

TEST_CASE("check-ndes: the probe's shipped signer certificate and request belong to the probe key", "[ndes][probe]") {
    auto key = scep::PrivateKey::load(util::as_bytes(diag::k_probe_key_pem), std::nullopt);
    REQUIRE(key);
    auto signers = scep::Certificate::from_pem(diag::k_probe_signer_pem);
    REQUIRE(signers);
    const scep::Certificate& signer = signers->front();
    CHECK(key->matches(signer));
    CHECK(signer.is_self_signed());
    CHECK(signer.not_after() == "2126-01-01T00:00:00Z"); // valid for as long as scepctl is used
    // The request: the openssl CLI reads it, and its signature does not verify (broken on purpose).
    test::TempDir dir;
    std::string base64(diag::k_probe_csr_der_base64);
    std::erase_if(base64, [](char c) { return c == '\n'; });
    const auto der = util::base64_decode(base64);
    REQUIRE(der);
    test::write_file(dir.path / "probe.der", *der);
    int status = 0;
    const std::string verified = test::shell(
        "openssl req -inform DER -in '" + (dir.path / "probe.der").string() + "' -noout -verify 2>&1", status);
    CHECK(verified.find("verify failure") != std::string::npos);
    const std::string spki = test::shell("openssl req -inform DER -in '" + (dir.path / "probe.der").string() +
                                             "' -noout -pubkey | openssl pkey -pubin -outform DER | "
                                             "openssl dgst -sha256 -r | cut -d' ' -f1",
                                         status);
    CHECK(util::trim_ascii(spki) == diag::k_probe_key_spki_sha256);
}
