// workflow::plan_enroll and workflow::enroll against fakes: GetCACaps and GetCACert replayed from
// tests/data/openssl, the admin page from tests/data/ndes, and every PKIOperation answered by the
// NDES-like fixture (tests/fixtures/ndes_fixture.py) over a pipe, with a clock that never sleeps.
#include <catch2/catch.hpp>

#include "fake_collaborators.hpp"
#include "test_support.hpp"
#include "workflow/enroll.hpp"

namespace {

namespace fs = std::filesystem;
using config::Command;

const std::string k_url = "http://ndes.example.test/certsrv/mscep/mscep.dll";
const std::string k_admin_url = "http://ndes.example.test/certsrv/mscep_admin/";
const std::string k_page_challenge = "8CE317021F690069"; // tests/data/ndes/source/password-16.html

void add_ca_replies(test::FakeTransports& transports) {
    transports.add(200, "text/plain", test::read_data("openssl/caps-ndes-2016.txt"));
    transports.add(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-ndes.p7b"));
}

void add_admin_page(test::FakeTransports& transports) {
    transports.add(200, "text/html; charset=utf-8", test::read_data("ndes/password-16.utf8.html"));
}

util::Result<workflow::EnrollPlan> plan(const config::CommandLine& line, std::optional<util::Secret> challenge,
                                        util::EventSink& events) {
    return workflow::plan_enroll(test::resolve_options(Command::enroll, line), test::no_environment(),
                                 std::move(challenge), events);
}

workflow::EnrollPlan plan_ok(const config::CommandLine& line, std::optional<util::Secret> challenge,
                             util::EventSink& events) {
    auto planned = plan(line, std::move(challenge), events);
    if (!planned) FAIL(planned.error().message);
    return std::move(planned).value();
}

// The index of the first recorded request whose URL holds `part`; -1 when none does.
int first_request(test::FakeTransports& transports, const std::string& part) {
    const auto& urls = transports.replay.urls;
    for (std::size_t i = 0; i < urls.size(); ++i) {
        if (urls[i].find(part) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
}

} // namespace

TEST_CASE("plan_enroll: usage problems are found before any key or request", "[enroll]") {
    test::TempDir dir;
    test::RecordingSink events;
    const std::string out = dir.path.string();

    SECTION("no URL") {
        auto planned = plan({{"out-dir", {out}}}, std::nullopt, events);
        REQUIRE_FALSE(planned);
        CHECK(planned.error().code == util::ErrorCode::usage);
        CHECK_THAT(planned.error().message, Catch::Contains("no SCEP URL"));
    }
    SECTION("--resume without --key") {
        auto planned = plan({{"url", {k_url}}, {"out-dir", {out}}, {"resume", {}}}, std::nullopt, events);
        REQUIRE_FALSE(planned);
        CHECK(planned.error().code == util::ErrorCode::usage);
        CHECK_THAT(planned.error().message, Catch::Contains("--resume needs --key"));
    }
    SECTION("two outputs on one file") {
        const std::string same = (dir.path / "both.pem").string();
        auto planned = plan({{"url", {k_url}}, {"cert-out", {same}}, {"chain-out", {same}}}, std::nullopt, events);
        REQUIRE_FALSE(planned);
        CHECK_THAT(planned.error().message, Catch::Contains("--cert-out"));
        CHECK_THAT(planned.error().message, Catch::Contains("--chain-out"));
    }
    SECTION("an output on the key it is made with, under another spelling") {
        const fs::path key = dir.path / "key.pem";
        test::write_file(key, test::read_data("certrep/client.key"));
        auto planned = plan({{"url", {k_url}},
                             {"key", {key.string()}},
                             {"out-dir", {out}},
                             {"cert-out", {(dir.path / "." / "key.pem").string()}}},
                            std::nullopt, events);
        REQUIRE_FALSE(planned);
        CHECK_THAT(planned.error().message, Catch::Contains("--key"));
        CHECK_THAT(planned.error().message, Catch::Contains("--cert-out"));
    }
    SECTION("an existing output without --force") {
        test::write_file(dir.path / "cert.pem", util::as_bytes("old"));
        auto planned = plan({{"url", {k_url}}, {"out-dir", {out}}}, util::Secret("x"), events);
        REQUIRE_FALSE(planned);
        CHECK_THAT(planned.error().message, Catch::Contains("cert.pem"));
    }
}

TEST_CASE("plan_enroll: a given challenge wins over the challenge page; none at all warns", "[enroll]") {
    test::TempDir dir;
    test::RecordingSink events;
    const config::CommandLine line{
        {"url", {k_url}}, {"out-dir", {dir.path.string()}}, {"challenge-url", {k_admin_url}}};
    const auto given = plan_ok(line, util::Secret("given-challenge"), events);
    CHECK_FALSE(given.challenge_page);
    REQUIRE(given.challenge);
    const auto fetched = plan_ok(line, std::nullopt, events);
    REQUIRE(fetched.challenge_page);
    CHECK(fetched.challenge_page->admin_url == k_admin_url);
    CHECK(events.warnings.empty());
    const auto none = plan_ok({{"url", {k_url}}, {"out-dir", {dir.path.string()}}}, std::nullopt, events);
    CHECK_FALSE(none.challenge_page);
    CHECK(events.warned("no challenge password given"));
}

TEST_CASE("enroll: PENDING, then polls at the configured interval until SUCCESS; the key is kept at the first "
          "PENDING",
          "[enroll][poll]") {
    test::TempDir dir;
    const fs::path state = dir.path / "fixture", out = dir.path / "out";
    fs::create_directories(out);
    test::Fakes fakes;
    // PENDING to the PKCSReq and the first CertPoll, SUCCESS to the second.
    test::NdesFixture fixture(state, {"--mode", "pending", "--pending-polls", "2"});
    const fs::path key_path = out / "key.pem";
    std::vector<bool> key_on_disk; // at each PKIOperation, before the fixture answers it
    fakes.transports.responder = [&](const std::string& method, const std::string& url, util::ByteView body) {
        if (url.find("PKIOperation") != std::string::npos) key_on_disk.push_back(fs::exists(key_path));
        return fixture.answer(method, url, body);
    };
    add_ca_replies(fakes.transports);
    auto enroll_plan = plan_ok({{"url", {k_url}},
                                {"out-dir", {out.string()}},
                                {"subject", {"CN=poll-test"}},
                                {"poll-interval", {"7"}},
                                {"max-polls", {"5"}}},
                               std::nullopt, fakes.events);
    auto outcome = workflow::enroll(std::move(enroll_plan), fakes.with);
    if (!outcome) FAIL(outcome.error().message);

    CHECK(fixture.pki_operations == 3);
    CHECK(outcome->result.polls == 2);
    CHECK(fakes.clock.sleeps == std::vector<std::chrono::seconds>{std::chrono::seconds(7), std::chrono::seconds(7)});
    // Not there for the PKCSReq; there (written at its PENDING) for both CertPolls.
    CHECK(key_on_disk == std::vector<bool>{false, true, true});
    CHECK(fakes.events.noted("the new key is kept in " + key_path.string()));
    CHECK(test::mode_of(key_path) == 0600);
    // What was written is a pair: the certificate the fixture issued is for the kept key.
    auto certs = scep::Certificate::from_pem(test::slurp(out / "cert.pem"));
    REQUIRE(certs);
    CHECK(certs->front().subject() == "CN=poll-test");
    const std::string key_text = test::slurp(key_path);
    auto key = scep::PrivateKey::load(util::as_bytes(key_text), std::nullopt);
    REQUIRE(key);
    CHECK(key->matches(certs->front()));
    CHECK(outcome->challenge_origin == "none");
    const std::string log = test::NdesFixture::events(state);
    CHECK(log.find("\"messageTypeName\": \"PKCSReq\"") < log.find("\"messageTypeName\": \"CertPoll\""));
}

TEST_CASE("enroll: polling stops at --poll-timeout by the clock, with the key kept and how to resume",
          "[enroll][poll]") {
    test::TempDir dir;
    const fs::path state = dir.path / "fixture", out = dir.path / "out";
    fs::create_directories(out);
    test::Fakes fakes;
    test::NdesFixture fixture(state, {"--mode", "pending", "--pending-polls", "100"});
    fakes.transports.responder = fixture.responder();
    add_ca_replies(fakes.transports);
    auto enroll_plan = plan_ok({{"url", {k_url}},
                                {"out-dir", {out.string()}},
                                {"subject", {"CN=slow"}},
                                {"poll-interval", {"7"}},
                                {"poll-timeout", {"20"}}},
                               std::nullopt, fakes.events);
    auto outcome = workflow::enroll(std::move(enroll_plan), fakes.with);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code == util::ErrorCode::pending);
    // 0 s, 7 s and 14 s: one more wait would pass 20 s.
    CHECK(fakes.clock.sleeps.size() == 2);
    CHECK(fixture.pki_operations == 3);
    CHECK_THAT(outcome.error().message, Catch::Contains("--key " + (out / "key.pem").string() + " --resume"));
    CHECK(fs::exists(out / "key.pem"));
    CHECK_FALSE(fs::exists(out / "cert.pem"));
}

TEST_CASE("enroll: a signal during the wait stops it; the PENDING request's key is kept", "[enroll][poll]") {
    test::TempDir dir;
    const fs::path state = dir.path / "fixture", out = dir.path / "out";
    fs::create_directories(out);
    test::Fakes fakes;
    fakes.clock.interrupt_at = 0;
    test::NdesFixture fixture(state, {"--mode", "pending"});
    fakes.transports.responder = fixture.responder();
    add_ca_replies(fakes.transports);
    auto outcome =
        workflow::enroll(plan_ok({{"url", {k_url}}, {"out-dir", {out.string()}}, {"subject", {"CN=stopped"}}},
                                 std::nullopt, fakes.events),
                         fakes.with);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code == util::ErrorCode::interrupted);
    CHECK_THAT(outcome.error().message, Catch::Contains("PENDING at the CA"));
    CHECK(fixture.pki_operations == 1);
    CHECK(test::mode_of(out / "key.pem") == 0600);
}

TEST_CASE("enroll: the challenge page is asked last, after GetCACaps and GetCACert, and its password is sent",
          "[enroll][challenge]") {
    test::TempDir dir;
    const fs::path state = dir.path / "fixture", out = dir.path / "out";
    fs::create_directories(out);
    test::Fakes fakes;
    // The fixture enforces this one-time challenge: SUCCESS proves the CSR carried it.
    test::NdesFixture fixture(state, {"--challenge", k_page_challenge});
    fakes.transports.responder = fixture.responder();
    add_ca_replies(fakes.transports);
    add_admin_page(fakes.transports);
    auto enroll_plan = plan_ok({{"url", {k_url}},
                                {"out-dir", {out.string()}},
                                {"subject", {"CN=challenged"}},
                                {"challenge-url", {k_admin_url}}},
                               std::nullopt, fakes.events);
    auto outcome = workflow::enroll(std::move(enroll_plan), fakes.with);
    if (!outcome) FAIL(outcome.error().message);
    CHECK(first_request(fakes.transports, "GetCACaps") == 0);
    CHECK(first_request(fakes.transports, "GetCACert") == 1);
    CHECK(first_request(fakes.transports, "mscep_admin") == 2);
    CHECK(first_request(fakes.transports, "PKIOperation") == 3);
    // One transport for the page and the SCEP requests: libcurl can keep one connection for both.
    CHECK(fakes.transports.opened.size() == 1);
    // Only the PKIOperation must never be sent twice by the transport (a one-time challenge).
    const auto& requests = fakes.transports.requests();
    REQUIRE(requests.size() == 4);
    CHECK(requests[3].at_most_once);
    CHECK_FALSE(requests[0].at_most_once);
    CHECK_FALSE(requests[1].at_most_once);
    CHECK_FALSE(requests[2].at_most_once);
    CHECK(outcome->challenge_sent);
    CHECK(outcome->challenge_origin.rfind("admin page (", 0) == 0);
    CHECK(test::NdesFixture::events(state).find("\"challenge\": \"ok\"") != std::string::npos);
}

TEST_CASE("enroll: a given challenge is sent and the challenge page is not asked", "[enroll][challenge]") {
    test::TempDir dir;
    const fs::path state = dir.path / "fixture", out = dir.path / "out";
    fs::create_directories(out);
    test::Fakes fakes;
    test::NdesFixture fixture(state, {"--challenge", "GIVEN-1234"});
    fakes.transports.responder = fixture.responder();
    add_ca_replies(fakes.transports);
    add_admin_page(fakes.transports); // there, but it must not be asked
    auto outcome = workflow::enroll(plan_ok({{"url", {k_url}},
                                             {"out-dir", {out.string()}},
                                             {"subject", {"CN=given"}},
                                             {"challenge-url", {k_admin_url}}},
                                            util::Secret("GIVEN-1234"), fakes.events),
                                    fakes.with);
    if (!outcome) FAIL(outcome.error().message);
    CHECK(first_request(fakes.transports, "mscep_admin") == -1);
    CHECK(outcome->challenge_origin == "given");
    CHECK(outcome->challenge_sent);
    CHECK(test::NdesFixture::events(state).find("\"challenge\": \"ok\"") != std::string::npos);
}

TEST_CASE("enroll: a CA whose GetCACert fails gets no request and uses up no challenge", "[enroll][challenge]") {
    test::TempDir dir;
    const fs::path out = dir.path / "out";
    fs::create_directories(out);
    test::Fakes fakes;
    fakes.transports.add(200, "text/plain", test::read_data("openssl/caps-ndes-2016.txt"));
    fakes.transports.add(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-truncated.p7b"));
    add_admin_page(fakes.transports);
    auto outcome =
        workflow::enroll(plan_ok({{"url", {k_url}}, {"out-dir", {out.string()}}, {"challenge-url", {k_admin_url}}},
                                 std::nullopt, fakes.events),
                         fakes.with);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code == util::ErrorCode::bad_reply);
    CHECK(fakes.transports.replay.urls.size() == 2);
    CHECK(first_request(fakes.transports, "mscep_admin") == -1);
    CHECK(fs::is_empty(out));
}

TEST_CASE("enroll: a request left PENDING names its transaction ID and kept key in PendingRequest", "[enroll][poll]") {
    test::TempDir dir;
    const fs::path state = dir.path / "fixture", out = dir.path / "out";
    fs::create_directories(out);
    test::Fakes fakes;
    test::NdesFixture fixture(state, {"--mode", "pending", "--pending-polls", "100"});
    fakes.transports.responder = fixture.responder();
    add_ca_replies(fakes.transports);
    auto enroll_plan = plan_ok({{"url", {k_url}},
                                {"out-dir", {out.string()}},
                                {"subject", {"CN=slow"}},
                                {"poll-interval", {"7"}},
                                {"poll-timeout", {"10"}}},
                               std::nullopt, fakes.events);
    workflow::PendingRequest pending;
    auto outcome = workflow::enroll(std::move(enroll_plan), fakes.with, &pending);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code == util::ErrorCode::pending);
    REQUIRE(pending.key);
    CHECK(*pending.key == out / "key.pem");
    // The transaction ID the fixture saw (RFC 8894 §3.2.1.1), as the CA logged it.
    CHECK(pending.transaction_id.size() == 64);
    CHECK(test::NdesFixture::events(state).find(pending.transaction_id) != std::string::npos);
}

TEST_CASE("enroll: what the CA issued otherwise than asked is reported and warned, naming the template setting",
          "[enroll][issued]") {
    struct Case {
        const char* template_mode;
        const char* field;
        const char* setting;
    };
    const Case c = GENERATE(Case{"drop-sans", "subjectAltName", "Supply in the request"},
                            Case{"replace-eku", "extendedKeyUsage", "Application Policies"});
    test::TempDir dir;
    const fs::path state = dir.path / "fixture", out = dir.path / "out";
    fs::create_directories(out);
    test::Fakes fakes;
    test::NdesFixture fixture(state, {"--template", c.template_mode});
    fakes.transports.responder = fixture.responder();
    add_ca_replies(fakes.transports);
    auto outcome = workflow::enroll(plan_ok({{"url", {k_url}},
                                             {"out-dir", {out.string()}},
                                             {"subject", {"CN=router-3"}},
                                             {"san", {"dns:router-3.example.test"}},
                                             {"eku", {"clientAuth"}}},
                                            std::nullopt, fakes.events),
                                    fakes.with);
    if (!outcome) FAIL(outcome.error().message);
    REQUIRE(outcome->differences.size() == 1);
    CHECK(outcome->differences[0].field == c.field);
    CHECK_THAT(outcome->differences[0].setting, Catch::Contains(c.setting));
    CHECK(fakes.events.warned(std::string("the CA issued another ") + c.field));
}

TEST_CASE("enroll: a certificate as asked has no differences", "[enroll][issued]") {
    test::TempDir dir;
    const fs::path state = dir.path / "fixture", out = dir.path / "out";
    fs::create_directories(out);
    test::Fakes fakes;
    test::NdesFixture fixture(state, {});
    fakes.transports.responder = fixture.responder();
    add_ca_replies(fakes.transports);
    auto outcome = workflow::enroll(plan_ok({{"url", {k_url}},
                                             {"out-dir", {out.string()}},
                                             {"subject", {"CN=router-4,O=Example"}},
                                             {"san", {"dns:router-4.example.test", "ip:192.0.2.4"}},
                                             {"eku", {"clientAuth", "serverAuth"}},
                                             {"key-usage", {"signature"}}},
                                            std::nullopt, fakes.events),
                                    fakes.with);
    if (!outcome) FAIL(outcome.error().message);
    CHECK(outcome->differences.empty());
    CHECK_FALSE(fakes.events.warned("the CA issued another"));
}
