// What renew asks for and opens (issue 22): --ca-cache against fakes (GetCACaps and GetCACert
// replayed, every PKIOperation answered by the NDES-like fixture, tests/fixtures/ndes_fixture.py,
// over a pipe), and a run that is not due. Requests are counted, never timed.
#include <catch2/catch.hpp>

#include "fake_collaborators.hpp"
#include "test_support.hpp"
#include "workflow/renew.hpp"

namespace {

namespace fs = std::filesystem;
using config::Command;

const std::string k_url = "http://ndes.example.test/certsrv/mscep/mscep.dll";
const std::string k_pin = "sha256:57b2b0d3f80496597e39e32e02ef89b63a51c9e1eef3201cde7d140073f73377"; // ca.pem

void run_openssl(const std::string& commands) {
    int status = 0;
    const std::string output = test::shell(commands, status);
    if (status != 0) FAIL("openssl: " + output);
}

// key.pem and cert.pem in `dir`, issued by the test CA (openssl CLI), as an enrollment left them.
void make_pair(const fs::path& dir) {
    run_openssl("cd '" + dir.string() +
                "' && openssl req -new -newkey rsa:2048 -nodes -keyout key.pem -subj '/O=scepctl tests/CN=cached' "
                "-out req.csr 2>/dev/null && chmod 600 key.pem && openssl x509 -req -in req.csr -CA " +
                test::data_path("openssl/ca.pem") + " -CAkey " + test::data_path("openssl/ca.key") +
                " -set_serial 0x5CE7CA01 -days 90 -sha256 -out cert.pem 2>/dev/null && rm req.csr");
}

// The fixture's GetCACert reply (tests/data/openssl/getcacert-ndes.p7b) as PEM, in its order.
std::string server_bundle_pem() {
    int status = 0;
    std::string pem =
        test::shell("openssl pkcs7 -inform DER -print_certs -in " + test::data_path("openssl/getcacert-ndes.p7b") +
                        " | grep -v -e '^subject=' -e '^issuer=' -e '^$'",
                    status);
    if (status != 0) FAIL("openssl pkcs7: " + pem);
    return pem;
}

// An RA pair the server no longer has: signed by the same CA, other keys (openssl CLI).
std::string old_ra_bundle_pem(const fs::path& dir) {
    const std::string ca = test::data_path("openssl/ca.pem"), ca_key = test::data_path("openssl/ca.key");
    std::string commands = "cd '" + dir.string() + "'";
    for (const auto& [name, usage] :
         {std::pair<std::string, std::string>{"old-sign", "digitalSignature"}, {"old-enc", "keyEncipherment"}}) {
        commands += " && printf 'keyUsage=critical," + usage + "\\n' >" + name +
                    ".cnf && openssl req -new -newkey rsa:2048 -nodes -keyout " + name +
                    ".key -subj '/O=scepctl tests/CN=TESTNDES-MSCEP-RA' -out " + name +
                    ".csr 2>/dev/null && openssl x509 -req -in " + name + ".csr -CA " + ca + " -CAkey " + ca_key +
                    " -set_serial 0x" + (usage == "digitalSignature" ? "0DD1" : "0DD2") + " -days 30 -extfile " + name +
                    ".cnf -out " + name + ".pem 2>/dev/null";
    }
    run_openssl(commands);
    return test::slurp(ca) + test::slurp(dir / "old-sign.pem") + test::slurp(dir / "old-enc.pem");
}

workflow::RenewPlan plan_for(const fs::path& dir, util::EventSink& events, bool pinned = true) {
    config::CommandLine line{{"url", {k_url}},
                             {"key", {(dir / "key.pem").string()}},
                             {"cert", {(dir / "cert.pem").string()}},
                             {"ca-cache", {(dir / "ca-ra.pem").string()}}};
    if (pinned) line["ca-fingerprint"] = {k_pin};
    auto planned =
        workflow::plan_renew(test::resolve_options(Command::renew, line), test::no_environment(), std::nullopt, events);
    if (!planned) FAIL(planned.error().message);
    return std::move(planned).value();
}

std::vector<std::string> operations(const std::vector<std::string>& urls) {
    std::vector<std::string> ops;
    for (const auto& url : urls)
        ops.push_back(url.substr(url.find("operation=") + 10, url.find('&') == std::string::npos
                                                                  ? std::string::npos
                                                                  : url.find('&') - url.find("operation=") - 10));
    return ops;
}

} // namespace

TEST_CASE("renew --ca-cache: a cached bundle that matches the pin replaces GetCACert", "[renew][ca-cache]") {
    test::TempDir dir;
    make_pair(dir.path);
    const std::string cached = server_bundle_pem();
    test::write_file(dir.path / "ca-ra.pem", util::as_bytes(cached));
    test::NdesFixture fixture(dir.path / "fixture", {"--mode", "success"});
    test::Fakes fakes;
    fakes.transports.responder = fixture.responder();
    fakes.transports.add(200, "text/plain", test::read_data("openssl/caps-ndes-2016.txt"));

    auto outcome = workflow::renew(plan_for(dir.path, fakes.events), fakes.with);
    if (!outcome) FAIL(outcome.error().message);
    CHECK(operations(fakes.transports.replay.urls) == std::vector<std::string>{"GetCACaps", "PKIOperation"});
    CHECK(fakes.events.noted("GetCACert skipped"));
    CHECK(test::slurp(dir.path / "ca-ra.pem") == cached); // not rewritten

    SECTION("but not without a pin") {
        test::Fakes unpinned;
        unpinned.transports.responder = fixture.responder();
        unpinned.transports.add(200, "text/plain", test::read_data("openssl/caps-ndes-2016.txt"));
        unpinned.transports.add(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-ndes.p7b"));
        auto again = workflow::renew(plan_for(dir.path, unpinned.events, false), unpinned.with);
        if (!again) FAIL(again.error().message);
        CHECK(operations(unpinned.transports.replay.urls) ==
              std::vector<std::string>{"GetCACaps", "GetCACert", "PKIOperation"});
        CHECK(unpinned.events.noted("is not used without a pinned CA"));
    }
}

TEST_CASE("renew --ca-cache: RA certificates that changed are fetched and the request is sent again",
          "[renew][ca-cache]") {
    test::TempDir dir;
    make_pair(dir.path);
    const std::string old_cert = test::slurp(dir.path / "cert.pem");
    test::write_file(dir.path / "ca-ra.pem", util::as_bytes(old_ra_bundle_pem(dir.path)));
    test::NdesFixture fixture(dir.path / "fixture", {"--mode", "success"});
    test::Fakes fakes;
    fakes.transports.responder = fixture.responder();
    fakes.transports.add(200, "text/plain", test::read_data("openssl/caps-ndes-2016.txt"));
    fakes.transports.add(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-ndes.p7b"));

    auto outcome = workflow::renew(plan_for(dir.path, fakes.events), fakes.with);
    if (!outcome) FAIL(outcome.error().message);
    // The first request went to the old RA: the fixture could not read it (badMessageCheck, signed
    // by the RA it has now, which the cached bundle does not know).
    CHECK(operations(fakes.transports.replay.urls) ==
          std::vector<std::string>{"GetCACaps", "PKIOperation", "GetCACert", "PKIOperation"});
    CHECK(fixture.pki_operations == 2);
    CHECK(test::NdesFixture::events(dir.path / "fixture").find("badMessageCheck") != std::string::npos);
    CHECK(fakes.events.noted("changed since --ca-cache was written"));
    CHECK(test::slurp(dir.path / "cert.pem") != old_cert);
    CHECK(test::slurp(dir.path / "ca-ra.pem") == server_bundle_pem()); // the server's bundle now
}

TEST_CASE("renew --ca-cache: a failure with unchanged RA certificates is reported as it is", "[renew][ca-cache]") {
    test::TempDir dir;
    make_pair(dir.path);
    const std::string cached = server_bundle_pem();
    test::write_file(dir.path / "ca-ra.pem", util::as_bytes(cached));
    test::NdesFixture fixture(dir.path / "fixture", {"--mode", "failure-badMessageCheck"});
    test::Fakes fakes;
    fakes.transports.responder = fixture.responder();
    fakes.transports.add(200, "text/plain", test::read_data("openssl/caps-ndes-2016.txt"));
    fakes.transports.add(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-ndes.p7b"));

    auto outcome = workflow::renew(plan_for(dir.path, fakes.events), fakes.with);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code == util::ErrorCode::ca_failure);
    // GetCACert once to compare; the same bundle, so no second request to the same RA (the
    // RenewalReq-refused fallback to PKCSReq still applies, as without the cache).
    const auto ops = operations(fakes.transports.replay.urls);
    CHECK(std::count(ops.begin(), ops.end(), "GetCACert") == 1);
    CHECK_FALSE(fakes.events.noted("changed since --ca-cache was written"));
    CHECK(test::slurp(dir.path / "ca-ra.pem") == cached);
}

TEST_CASE("renew --days-before: a run that is not due reads the certificate, not the key", "[renew]") {
    test::TempDir dir;
    make_pair(dir.path);
    // Encrypted, and no passphrase given: loading it would fail. A daily run that is not due must
    // not need it (nor a TPM or a token's PIN).
    run_openssl("cd '" + dir.path.string() +
                "' && openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:secret -in key.pem -out enc.pem && "
                "mv enc.pem key.pem && chmod 600 key.pem");
    test::Fakes fakes;
    config::CommandLine line{{"url", {k_url}},
                             {"key", {(dir.path / "key.pem").string()}},
                             {"cert", {(dir.path / "cert.pem").string()}},
                             {"days-before", {"30"}}};
    auto planned = workflow::plan_renew(test::resolve_options(Command::renew, line), test::no_environment(),
                                        std::nullopt, fakes.events);
    REQUIRE(planned);
    auto outcome = workflow::renew(std::move(planned).value(), fakes.with);
    if (!outcome) FAIL(outcome.error().message);
    CHECK_FALSE(outcome->due);
    CHECK(fakes.transports.opened.empty());

    SECTION("the run that is due does need it") {
        test::Fakes later;
        later.clock.unix_now = outcome->old_cert.not_after_unix() - 10 * 24 * 3600;
        auto again = workflow::plan_renew(test::resolve_options(Command::renew, line), test::no_environment(),
                                          std::nullopt, later.events);
        REQUIRE(again);
        auto due = workflow::renew(std::move(again).value(), later.with);
        REQUIRE_FALSE(due);
        CHECK(later.transports.replay.urls.empty()); // refused before any request
    }
}
