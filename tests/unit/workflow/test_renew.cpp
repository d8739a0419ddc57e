// workflow::renew's policy against fakes: the existing pair is made by the openssl CLI with the
// test CA of tests/data/openssl, GetCACaps and GetCACert are replayed, every PKIOperation is
// answered by the NDES-like fixture (tests/fixtures/ndes_fixture.py) over a pipe.
#include <catch2/catch.hpp>

#include "fake_collaborators.hpp"
#include "test_support.hpp"
#include "workflow/renew.hpp"

namespace {

namespace fs = std::filesystem;
using config::Command;

const std::string k_url = "http://ndes.example.test/certsrv/mscep/mscep.dll";
const std::string k_admin_url = "http://ndes.example.test/certsrv/mscep_admin/";

// key.pem and cert.pem in `dir`: a fresh RSA-2048 key and a 90-day certificate for it issued by
// the test CA (openssl CLI), as an earlier enrollment left them.
void make_pair(const fs::path& dir) {
    test::write_file(dir / "ext.cnf", util::as_bytes("keyUsage=critical,digitalSignature,keyEncipherment\n"
                                                     "extendedKeyUsage=clientAuth\n"));
    int status = 0;
    const std::string output = test::shell(
        "(cd '" + dir.string() +
            "' && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem && "
            "chmod 600 key.pem && openssl req -new -key key.pem -subj '/O=scepctl tests/CN=renew-me' "
            "-out req.csr && openssl x509 -req -in req.csr -CA " +
            test::data_path("openssl/ca.pem") + " -CAkey " + test::data_path("openssl/ca.key") +
            " -set_serial 0x5CE7AB01 -days 90 -sha256 -extfile ext.cnf -out cert.pem && rm req.csr ext.cnf)",
        status);
    if (status != 0) FAIL("openssl: " + output);
}

void add_ca_replies(test::FakeTransports& transports) {
    transports.add(200, "text/plain", test::read_data("openssl/caps-ndes-2016.txt"));
    transports.add(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-ndes.p7b"));
}

config::CommandLine line_for(const fs::path& dir, config::CommandLine extra = {}) {
    config::CommandLine line{
        {"url", {k_url}}, {"key", {(dir / "key.pem").string()}}, {"cert", {(dir / "cert.pem").string()}}};
    for (auto& [flag, values] : extra)
        line[flag] = std::move(values);
    return line;
}

workflow::RenewPlan plan_ok(const config::CommandLine& line, util::EventSink& events,
                            std::map<std::string, std::string> environment = {}) {
    auto planned = workflow::plan_renew(test::resolve_options(Command::renew, line, environment),
                                        test::no_environment(), std::nullopt, events);
    if (!planned) FAIL(planned.error().message);
    return std::move(planned).value();
}

scep::Certificate cert_in(const fs::path& path) {
    auto certs = scep::Certificate::from_pem(test::slurp(path));
    if (!certs) FAIL(path.string() + ": " + certs.error().message);
    return certs->front();
}

scep::PrivateKey key_in(const fs::path& path) {
    auto key = scep::PrivateKey::load(util::as_bytes(test::slurp(path)), std::nullopt);
    if (!key) FAIL(path.string() + ": " + key.error().message);
    return std::move(key).value();
}

std::size_t count(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++n;
    return n;
}

} // namespace

TEST_CASE("renew: a RenewalReq refused with badRequest is sent once more as PKCSReq (mode auto)", "[renew]") {
    test::TempDir dir;
    make_pair(dir.path);
    const std::string old_cert = test::slurp(dir.path / "cert.pem");
    test::Fakes fakes;
    // The first PKIOperation goes to a CA that refuses everything, the rest to one that issues.
    test::NdesFixture refusing(dir.path / "refusing", {"--mode", "failure-badRequest"});
    test::NdesFixture issuing(dir.path / "issuing", {"--mode", "success"});
    int operations = 0;
    fakes.transports.responder = [&](const std::string& method, const std::string& url, util::ByteView body) {
        if (url.find("PKIOperation") == std::string::npos) return issuing.answer(method, url, body);
        return ++operations == 1 ? refusing.answer(method, url, body) : issuing.answer(method, url, body);
    };
    add_ca_replies(fakes.transports);
    auto outcome = workflow::renew(plan_ok(line_for(dir.path), fakes.events), fakes.with);
    if (!outcome) FAIL(outcome.error().message);

    CHECK(outcome->fell_back);
    CHECK(outcome->message_type == scep::MessageType::pkcs_req);
    CHECK(count(test::NdesFixture::events(dir.path / "refusing"), "\"messageTypeName\": \"RenewalReq\"") == 1);
    CHECK(count(test::NdesFixture::events(dir.path / "issuing"), "\"messageTypeName\": \"PKCSReq\"") == 1);
    CHECK(fakes.events.noted("the CA refused RenewalReq (badRequest)"));
    // The PKCSReq is signed by the existing certificate, not a self-signed one.
    CHECK(count(test::NdesFixture::events(dir.path / "issuing"), "\"signerSelfSigned\": false") == 1);
    // Swapped: a new pair in place, the old one in .bak.
    const scep::Certificate cert = cert_in(dir.path / "cert.pem");
    CHECK(key_in(dir.path / "key.pem").matches(cert));
    CHECK(cert.subject() == "CN=renew-me,O=scepctl tests"); // the old certificate's subject, as it was
    CHECK(test::slurp(dir.path / "cert.pem.bak") == old_cert);
}

TEST_CASE("renew --mode renewalreq: a refused RenewalReq is not retried", "[renew]") {
    test::TempDir dir;
    make_pair(dir.path);
    const std::string old_cert = test::slurp(dir.path / "cert.pem"), old_key = test::slurp(dir.path / "key.pem");
    test::Fakes fakes;
    test::NdesFixture refusing(dir.path / "refusing", {"--mode", "failure-badRequest"});
    fakes.transports.responder = refusing.responder();
    add_ca_replies(fakes.transports);
    auto outcome = workflow::renew(plan_ok(line_for(dir.path, {{"mode", {"renewalreq"}}}), fakes.events), fakes.with);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code == util::ErrorCode::ca_failure);
    CHECK(outcome.error().fail_info == static_cast<int>(scep::FailInfo::bad_request));
    CHECK(refusing.pki_operations == 1);
    CHECK_FALSE(fakes.events.noted("trying once more as PKCSReq"));
    CHECK(test::slurp(dir.path / "cert.pem") == old_cert);
    CHECK(test::slurp(dir.path / "key.pem") == old_key);
    CHECK_FALSE(fs::exists(dir.path / "key.pem.scepctl-pending"));
}

TEST_CASE("renew --days-before: a certificate that is not due sends nothing", "[renew]") {
    test::TempDir dir;
    make_pair(dir.path); // valid for 90 days
    test::Fakes fakes;
    add_ca_replies(fakes.transports);
    auto outcome = workflow::renew(plan_ok(line_for(dir.path, {{"days-before", {"30"}}}), fakes.events), fakes.with);
    if (!outcome) FAIL(outcome.error().message);
    CHECK_FALSE(outcome->due);
    CHECK(outcome->days_left >= 88);
    CHECK(outcome->days_left <= 90);
    CHECK(fakes.transports.replay.urls.empty());
    CHECK(fakes.transports.opened.empty());

    SECTION("and one that is due does") {
        test::Fakes later;
        later.clock.unix_now = cert_in(dir.path / "cert.pem").not_after_unix() - 10 * 24 * 3600;
        add_ca_replies(later.transports);
        later.transports.add(util::Error(util::ErrorCode::network, "test: the CA is down"));
        auto due = workflow::renew(plan_ok(line_for(dir.path, {{"days-before", {"30"}}}), later.events), later.with);
        REQUIRE_FALSE(due);
        CHECK(due.error().code == util::ErrorCode::network);
        CHECK(later.transports.replay.urls.size() == 3); // GetCACaps, GetCACert, PKIOperation
    }
}

TEST_CASE("renew: PENDING keeps the new key in KEY.scepctl-pending; the next run polls with it", "[renew][poll]") {
    test::TempDir dir;
    make_pair(dir.path);
    const std::string old_cert = test::slurp(dir.path / "cert.pem"), old_key = test::slurp(dir.path / "key.pem");
    const fs::path pending = dir.path / "key.pem.scepctl-pending";
    // PENDING to the RenewalReq and to the first CertPoll; the second CertPoll gets the certificate.
    test::NdesFixture fixture(dir.path / "fixture", {"--mode", "pending", "--pending-polls", "2"});
    {
        test::Fakes fakes;
        fakes.clock.interrupt_at = 0; // a signal during the first wait
        fakes.transports.responder = fixture.responder();
        add_ca_replies(fakes.transports);
        auto outcome = workflow::renew(plan_ok(line_for(dir.path), fakes.events), fakes.with);
        REQUIRE_FALSE(outcome);
        CHECK(outcome.error().code == util::ErrorCode::interrupted);
        CHECK_THAT(outcome.error().message, Catch::Contains("the new key waits in " + pending.string()));
        CHECK(fixture.pki_operations == 1);
        REQUIRE(fs::exists(pending));
        CHECK(test::mode_of(pending) == 0600);
        CHECK_FALSE(key_in(pending).matches(cert_in(dir.path / "cert.pem"))); // a new key
        CHECK(test::slurp(dir.path / "cert.pem") == old_cert);                // the old pair stays in use
        CHECK(test::slurp(dir.path / "key.pem") == old_key);
    }
    const std::string new_key = test::slurp(pending);
    test::Fakes fakes;
    fakes.transports.responder = fixture.responder();
    add_ca_replies(fakes.transports);
    auto outcome = workflow::renew(plan_ok(line_for(dir.path), fakes.events), fakes.with);
    if (!outcome) FAIL(outcome.error().message);
    CHECK(outcome->resumed);
    CHECK(fixture.pki_operations == 3); // this run: two CertPolls, no new RenewalReq
    const std::string log = test::NdesFixture::events(dir.path / "fixture");
    CHECK(count(log, "\"messageTypeName\": \"RenewalReq\"") == 1);
    CHECK(count(log, "\"messageTypeName\": \"CertPoll\"") == 2);
    CHECK(fakes.clock.sleeps.size() == 1);
    CHECK_FALSE(fs::exists(pending));
    CHECK(test::slurp(dir.path / "key.pem") == new_key);
    CHECK(key_in(dir.path / "key.pem").matches(cert_in(dir.path / "cert.pem")));
}

TEST_CASE("renew --profile: the CA's challenge_url is asked for the challenge (issue 17)", "[renew][challenge]") {
    test::TempDir dir;
    make_pair(dir.path);
    const fs::path config = dir.path / "config.toml";
    test::write_file(config, util::as_bytes("[ca.ndes]\n"
                                            "scep_url = \"" +
                                            k_url +
                                            "\"\n"
                                            "challenge_url = \"" +
                                            k_admin_url +
                                            "\"\n"
                                            "[profile.p]\n"
                                            "ca = \"ndes\"\n"
                                            "key_out = \"" +
                                            (dir.path / "key.pem").string() +
                                            "\"\n"
                                            "cert_out = \"" +
                                            (dir.path / "cert.pem").string() + "\"\n"));
    test::Fakes fakes;
    test::NdesFixture fixture(dir.path / "fixture", {"--mode", "success"});
    fakes.transports.responder = fixture.responder();
    add_ca_replies(fakes.transports);
    fakes.transports.add(200, "text/html; charset=utf-8", test::read_data("ndes/password-16.utf8.html"));
    auto outcome =
        workflow::renew(plan_ok({{"config", {config.string()}}, {"profile", {"p"}}}, fakes.events), fakes.with);
    if (!outcome) FAIL(outcome.error().message);
    const auto& urls = fakes.transports.replay.urls;
    REQUIRE(urls.size() == 4);
    CHECK(urls[2] == k_admin_url);
    CHECK(urls[3].find("PKIOperation") != std::string::npos);
    CHECK(outcome->challenge_sent);
    CHECK(outcome->challenge_origin.rfind("admin page (", 0) == 0);
    // The page's password is in the request the CA received.
    const std::string csr = test::csr_text_of(test::NdesFixture::request_file(dir.path / "fixture", 1));
    INFO(csr);
    CHECK(csr.find("challengePassword        :8CE317021F690069") != std::string::npos);
}
