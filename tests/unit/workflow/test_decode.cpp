// workflow::run_decode: the files and the server behind `scepctl decode`, on the third-party
// captures of tests/data/decode (README.md there), the server side replayed from the NDES
// fixture's GetCACaps and GetCACert vectors.
#include <catch2/catch.hpp>

#include "fake_collaborators.hpp"
#include "workflow/decode.hpp"

using config::Command;

namespace {

constexpr const char* k_url = "http://ndes.test/certsrv/mscep/mscep.dll";
constexpr std::int64_t k_captured = 1796423400; // 2026-12-04 22:30 UTC: when the vectors were captured

workflow::DecodePlan plan_for(const config::CommandLine& line, const std::string& input, util::EventSink& events) {
    auto planned = workflow::plan_decode(test::resolve_options(Command::decode, line), input, events);
    if (!planned) FAIL(planned.error().message);
    return std::move(planned).value();
}

std::string finding_text(const scep::Decoded& d, const std::string& id) {
    for (const auto& f : d.findings) {
        if (f.id == id) return f.text;
    }
    return {};
}

} // namespace

TEST_CASE("decode with --url: GetCACaps and GetCACert name the recipient and the digest", "[decode]") {
    test::Fakes fakes;
    fakes.clock.unix_now = k_captured;
    fakes.transports.add(200, "text/plain", test::read_data("openssl/caps-ndes-2016.txt"));
    fakes.transports.add(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-ndes.p7b"));
    const auto plan =
        plan_for({{"url", {k_url}}}, test::data_path("decode/strongswan-ndes-pkcsreq-to-ca.der"), fakes.events);
    auto outcome = workflow::run_decode(plan, fakes.with);
    REQUIRE(outcome);
    CHECK(fakes.transports.requests().size() == 2);
    CHECK(outcome->caps_known);
    CHECK(outcome->bundle_source == std::string("GetCACert from ") + k_url);
    CHECK(finding_text(outcome->decoded, "encrypted-to-ca-not-ra") ==
          "encrypted to the CA certificate 'CN=Test NDES Root CA,O=scepctl tests', but this server has an RA "
          "encryption certificate 'CN=TESTNDES-MSCEP-RA,O=scepctl tests': NDES answers HTTP 500");
    CHECK(fakes.events.warned("no --ca-fingerprint given"));

    SECTION("scepclient's SHA-1 request against NDES's SHA-256 caps") {
        fakes.transports.add(200, "text/plain", test::read_data("openssl/caps-ndes-2016.txt"));
        fakes.transports.add(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-ndes.p7b"));
        const auto sha1 =
            plan_for({{"url", {k_url}}}, test::data_path("decode/scepclient-ndes-pkcsreq.der"), fakes.events);
        auto decoded = workflow::run_decode(sha1, fakes.with);
        REQUIRE(decoded);
        CHECK(finding_text(decoded->decoded, "digest-sha1-while-sha256") ==
              "signed with SHA-1 while the server advertises SHA-256: use SHA-256");
    }
}

TEST_CASE("decode with --ca-bundle sends nothing, and a wrong pin with --url fails before decoding", "[decode]") {
    test::Fakes fakes;
    fakes.clock.unix_now = k_captured;
    const auto plan = plan_for({{"ca-bundle", {test::data_path("openssl/getcacert-ndes.p7b")}},
                                {"request", {test::data_path("decode/scepclient-ndes-pkcsreq.der")}}},
                               test::data_path("decode/strongswan-ndes-certrep-success.der"), fakes.events);
    auto outcome = workflow::run_decode(plan, fakes.with);
    REQUIRE(outcome);
    CHECK(fakes.transports.requests().empty());
    CHECK_FALSE(outcome->caps_known);
    CHECK(finding_text(outcome->decoded, "recipient-nonce-mismatch") ==
          "recipientNonce does not match the request's senderNonce: a replayed or misrouted reply, or a reply to an "
          "earlier send of the request");

    fakes.transports.add(200, "text/plain", test::read_data("openssl/caps-ndes-2016.txt"));
    fakes.transports.add(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-ndes.p7b"));
    const auto pinned = plan_for({{"url", {k_url}}, {"ca-fingerprint", {"sha256:" + std::string(64, 'a')}}},
                                 test::data_path("decode/strongswan-ndes-pkcsreq.der"), fakes.events);
    auto refused = workflow::run_decode(pinned, fakes.with);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == util::ErrorCode::verification);
}

TEST_CASE("decode with --key: the PKCS#10 inside, the challenge only as present", "[decode]") {
    test::Fakes fakes;
    fakes.clock.unix_now = k_captured;
    const auto plan = plan_for({{"ca-bundle", {test::data_path("openssl/getcacert-ndes.p7b")}},
                                {"key", {test::data_path("openssl/ra-encrypt.key")}}},
                               test::data_path("decode/scepclient-ndes-pkcsreq.der"), fakes.events);
    auto outcome = workflow::run_decode(plan, fakes.with);
    REQUIRE(outcome);
    const auto& envelope = *outcome->decoded.pki_message->envelope;
    REQUIRE(envelope.decrypted);
    REQUIRE(envelope.decrypted->csr);
    CHECK(envelope.decrypted->csr->challenge_password_present);
}

TEST_CASE("decode: what is no SCEP message, and options that do not fit, are refused with the cause", "[decode]") {
    test::Fakes fakes;
    SECTION("a file that holds none of the forms is a file error with a fix") {
        const auto plan = plan_for({}, test::data_path("openssl/caps-ndes-2016.txt"), fakes.events);
        auto outcome = workflow::run_decode(plan, fakes.with);
        REQUIRE_FALSE(outcome);
        CHECK(outcome.error().code == util::ErrorCode::file);
        CHECK_THAT(outcome.error().message, Catch::StartsWith(test::data_path("openssl/caps-ndes-2016.txt")));
        CHECK_THAT(outcome.error().fix, Catch::Contains("DER, PEM or base64"));
    }
    SECTION("a missing file") {
        const auto plan = plan_for({}, "/nonexistent/message.der", fakes.events);
        auto outcome = workflow::run_decode(plan, fakes.with);
        REQUIRE_FALSE(outcome);
        CHECK(outcome.error().code == util::ErrorCode::file);
    }
    SECTION("--key-pass-file without --key") {
        auto planned = workflow::plan_decode(
            test::resolve_options(Command::decode, {{"key-pass-file", {test::data_path("openssl/ca.key")}}}), "-",
            fakes.events);
        REQUIRE_FALSE(planned);
        CHECK(planned.error().code == util::ErrorCode::usage);
    }
    SECTION("a signed message given as --ca-bundle") {
        const auto plan = plan_for({{"ca-bundle", {test::data_path("decode/scepclient-ndes-pkcsreq.der")}}},
                                   test::data_path("decode/scepclient-ndes-pkcsreq.der"), fakes.events);
        auto outcome = workflow::run_decode(plan, fakes.with);
        REQUIRE_FALSE(outcome);
        CHECK_THAT(outcome.error().message, Catch::Contains("--ca-bundle"));
    }
}
