#include <ctime>
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>

#include "scep/ca_certs.hpp"
#include "test_support.hpp"

using namespace scep;

namespace {

constexpr const char* k_ca_ra = "application/x-x509-ca-ra-cert";
constexpr const char* k_ca = "application/x-x509-ca-cert";

Result<CaCertBundle> parse(const std::string& file, const std::string& content_type) {
    return parse_get_ca_cert(test::read_data(file), content_type, std::time(nullptr));
}

std::string sha256_of(const Certificate& cert) {
    return to_hex(cert.fingerprint(DigestAlg::sha256));
}

} // namespace

TEST_CASE("real scepserver GetCACert: a single DER CA certificate", "[cacert]") {
    const std::string content_type = std::string(trim_ascii(test::read_text("scepserver/getcacert.content-type")));
    auto bundle = parse("scepserver/getcacert.der", content_type);
    REQUIRE(bundle);
    CHECK(bundle->format == CaCertFormat::single_der);
    REQUIRE(bundle->entries.size() == 1);
    CHECK(bundle->entries[0].role == CertRole::issuing_ca);
    CHECK_FALSE(bundle->has_ra());
    // Without RA certificates the CA both receives our requests and signs the replies.
    CHECK(bundle->recipient().native() == bundle->issuing_ca().native());
    CHECK(bundle->reply_signer().native() == bundle->issuing_ca().native());
}

TEST_CASE("NDES bundle: RA sign/encrypt split with identical subjects, CA not first", "[cacert]") {
    auto bundle = parse("openssl/getcacert-ndes.p7b", k_ca_ra);
    REQUIRE(bundle);
    CHECK(bundle->format == CaCertFormat::pkcs7_bundle);
    REQUIRE(bundle->entries.size() == 3);
    CHECK(bundle->entries[0].role == CertRole::ra_signing);
    CHECK(bundle->entries[1].role == CertRole::issuing_ca);
    CHECK(bundle->entries[2].role == CertRole::ra_encryption);
    CHECK(bundle->entries[0].cert.subject() == bundle->entries[2].cert.subject());
    CHECK(sha256_of(bundle->issuing_ca()) == test::fingerprint_of("ca.pem", "sha256"));
    CHECK(sha256_of(bundle->recipient()) == test::fingerprint_of("ra-encrypt.pem", "sha256"));
    CHECK(sha256_of(bundle->reply_signer()) == test::fingerprint_of("ra-sign.pem", "sha256"));
    CHECK(bundle->warnings.empty());
}

TEST_CASE("bundle order does not matter", "[cacert]") {
    auto bundle = parse("openssl/getcacert-ca-first.p7b", k_ca_ra);
    REQUIRE(bundle);
    CHECK(bundle->entries[0].role == CertRole::issuing_ca);
    CHECK(sha256_of(bundle->recipient()) == test::fingerprint_of("ra-encrypt.pem", "sha256"));
}

TEST_CASE("bundle with only the CA", "[cacert]") {
    auto bundle = parse("openssl/getcacert-ca-only.p7b", k_ca_ra);
    REQUIRE(bundle);
    REQUIRE(bundle->entries.size() == 1);
    CHECK(bundle->entries[0].role == CertRole::issuing_ca);
    CHECK_FALSE(bundle->has_ra());
}

TEST_CASE("enterprise bundle: root, issuing CA and RA certs issued by the issuing CA", "[cacert]") {
    auto bundle = parse("openssl/getcacert-intermediate.p7b", k_ca_ra);
    REQUIRE(bundle);
    CHECK(sha256_of(bundle->issuing_ca()) == test::fingerprint_of("intermediate.pem", "sha256"));
    REQUIRE(bundle->entries.size() == 4);
    CHECK(bundle->entries[0].role == CertRole::root_ca);
    const auto chain = bundle->ca_chain();
    REQUIRE(chain.size() == 2);
    CHECK(sha256_of(chain[1]) == test::fingerprint_of("ca.pem", "sha256"));

    // Either CA of the chain may be pinned.
    auto pin_root = parse_fingerprint("sha256:" + test::fingerprint_of("ca.pem", "sha256"));
    auto pin_issuing = parse_fingerprint("sha1:" + test::fingerprint_of("intermediate.pem", "sha1"));
    REQUIRE(pin_root);
    REQUIRE(pin_issuing);
    CHECK(verify_ca_fingerprint(*bundle, *pin_root));
    CHECK(verify_ca_fingerprint(*bundle, *pin_issuing));
    auto pin_ra = parse_fingerprint("sha256:" + test::fingerprint_of("ra-sign.pem", "sha256"));
    REQUIRE(pin_ra);
    auto mismatch = verify_ca_fingerprint(*bundle, *pin_ra);
    REQUIRE_FALSE(mismatch);
    CHECK(mismatch.error().code == ErrorCode::verification);
    CHECK(mismatch.error().message.find("fingerprint mismatch") != std::string::npos);
}

TEST_CASE("an RA certificate from another CA is rejected", "[cacert]") {
    auto bundle = parse("openssl/getcacert-foreign-ra.p7b", k_ca_ra);
    REQUIRE_FALSE(bundle);
    CHECK(bundle.error().code == ErrorCode::verification);
    CHECK(bundle.error().message.find("FOREIGN-MSCEP-RA") != std::string::npos);
}

TEST_CASE("bundles without a usable CA are rejected", "[cacert]") {
    auto no_ca = parse("openssl/getcacert-no-ca.p7b", k_ca_ra);
    REQUIRE_FALSE(no_ca);
    CHECK(no_ca.error().code == ErrorCode::bad_reply);
    CHECK(no_ca.error().message.find("no CA certificate") != std::string::npos);

    auto two = parse("openssl/getcacert-two-cas.p7b", k_ca_ra);
    REQUIRE_FALSE(two);
    CHECK(two.error().message.find("unrelated CA") != std::string::npos);
}

TEST_CASE("malformed GetCACert replies give one-line errors", "[cacert]") {
    for (const auto& [file, type] : std::vector<std::pair<std::string, std::string>>{
             {"openssl/getcacert-truncated.p7b", k_ca_ra},
             {"openssl/getcacert-garbage.bin", k_ca_ra},
             {"openssl/getcacert-garbage.bin", k_ca},
             {"openssl/getcacert-garbage.bin", ""},
             {"openssl/getcacert-pem.txt", k_ca},
             {"openssl/caps-empty.txt", k_ca},
         }) {
        INFO(file << " as '" << type << "'");
        auto bundle = parse(file, type);
        REQUIRE_FALSE(bundle);
        CHECK(bundle.error().code == ErrorCode::bad_reply);
        CHECK(bundle.error().message.find('\n') == std::string::npos);
    }
}

TEST_CASE("content type: parameters and case ignored, missing type judged by content, HTML refused", "[cacert]") {
    CHECK(parse("openssl/getcacert-ndes.p7b", "Application/X-X509-CA-RA-Cert; charset=binary"));
    CHECK(parse("openssl/getcacert-single.der", ""));
    CHECK(parse("openssl/getcacert-ndes.p7b", ""));
    CHECK(parse("openssl/getcacert-ndes.p7b", "application/octet-stream"));
    auto html = parse("openssl/getcacert-single.der", "text/html");
    REQUIRE_FALSE(html);
    CHECK(html.error().code == ErrorCode::bad_reply);
    CHECK(html.error().message.find("text/html") != std::string::npos);
    // A PKCS#7 body labelled as a single certificate is not silently accepted.
    CHECK_FALSE(parse("openssl/getcacert-ndes.p7b", k_ca));
}

TEST_CASE("expired and not-yet-valid certificates produce warnings", "[cacert]") {
    const auto body = test::read_data("openssl/getcacert-ndes.p7b");
    const std::int64_t far_future = 4102444800; // 2100-01-01
    auto expired = parse_get_ca_cert(body, k_ca_ra, far_future);
    REQUIRE(expired);
    CHECK(expired->warnings.size() == 3);
    CHECK(expired->warnings[0].find("expired") != std::string::npos);
    auto early = parse_get_ca_cert(body, k_ca_ra, 0);
    REQUIRE(early);
    CHECK(early->warnings.size() == 3);
    CHECK(early->warnings[0].find("not valid before") != std::string::npos);
}

TEST_CASE("a bundle of more than 32 certificates is refused before any comparison", "[cacert]") {
    // Every certificate is compared with every other (signatures included): thousands of small
    // certificates in the 8 MiB a server may send would keep scepctl busy for a long time.
    // The bundles are made by openssl crl2pkcs7 from the committed RA certificate.
    test::TempDir dir;
    const auto bundle_of = [&](int count) {
        std::string command = "openssl crl2pkcs7 -nocrl -outform DER -out " + (dir.path / "bundle.p7b").string();
        command += " -certfile " + test::data_path("openssl/ca.pem");
        for (int i = 1; i < count; ++i)
            command += " -certfile " + test::data_path("openssl/ra-sign.pem");
        int status = 0;
        const std::string output = test::shell(command, status);
        INFO(output);
        REQUIRE(status == 0);
        std::ifstream in(dir.path / "bundle.p7b", std::ios::binary);
        return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    };
    const auto accepted = parse_get_ca_cert(bundle_of(32), k_ca_ra, std::time(nullptr));
    REQUIRE(accepted);
    CHECK(accepted->entries.size() == 32);
    const auto refused = parse_get_ca_cert(bundle_of(33), k_ca_ra, std::time(nullptr));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::bad_reply);
    CHECK(refused.error().message ==
          "GetCACert bundle holds 33 certificates; a CA/RA bundle has a few (at most 32 are accepted)");
}

TEST_CASE("GetNextCACert: rollover bundle signed by the current CA or its RA", "[cacert][nextca]") {
    auto current = parse("openssl/getcacert-ndes.p7b", k_ca_ra);
    REQUIRE(current);
    const Certificate next_ca = test::certificate("rollover/next-ca.pem");
    for (const char* file : {"rollover/next-signed-by-ca.p7", "rollover/next-signed-by-ra.p7"}) {
        INFO(file);
        auto next = parse_get_next_ca_cert(test::read_data(file), "application/x-x509-next-ca-cert", *current,
                                           std::time(nullptr));
        REQUIRE(next);
        CHECK(sha256_of(next->bundle.issuing_ca()) == sha256_of(next_ca));
        CHECK(sha256_of(next->bundle.issuing_ca()) != sha256_of(current->issuing_ca()));
        REQUIRE(next->bundle.entries.size() == 2);
        CHECK(next->bundle.reply_signer().subject() == "CN=TESTNDES-MSCEP-RA,O=scepctl tests");
    }
    auto by_ca =
        parse_get_next_ca_cert(test::read_data("rollover/next-signed-by-ca.p7"), "", *current, std::time(nullptr));
    REQUIRE(by_ca);
    CHECK(sha256_of(by_ca->signer) == sha256_of(current->issuing_ca()));
    auto by_ra =
        parse_get_next_ca_cert(test::read_data("rollover/next-signed-by-ra.p7"), "", *current, std::time(nullptr));
    REQUIRE(by_ra);
    CHECK(sha256_of(by_ra->signer) == sha256_of(test::certificate("openssl/ra-sign.pem")));
}

TEST_CASE("GetNextCACert: another signer, a broken signature, a bare bundle, a wrong type are refused",
          "[cacert][nextca]") {
    auto current = parse("openssl/getcacert-ndes.p7b", k_ca_ra);
    REQUIRE(current);
    const auto next = [&](const std::string& file, const char* type = "application/x-x509-next-ca-cert") {
        return parse_get_next_ca_cert(test::read_data(file), type, *current, std::time(nullptr));
    };
    // The other CA's certificate is inside the reply: that must not make it trusted.
    auto other = next("rollover/next-signed-by-other-ca.p7");
    REQUIRE_FALSE(other);
    CHECK(other.error().code == ErrorCode::verification);
    CHECK(other.error().message.find("not signed by the current CA 'CN=Test NDES Root CA,O=scepctl tests' or its RA") !=
          std::string::npos);
    auto tampered = next("rollover/next-tampered.p7");
    REQUIRE_FALSE(tampered);
    CHECK(tampered.error().code == ErrorCode::verification);
    // An unsigned certs-only bundle proves nothing either.
    auto bare = next("rollover/next-bundle.p7b");
    REQUIRE_FALSE(bare);
    CHECK(bare.error().code == ErrorCode::verification);
    auto wrong_type = next("rollover/next-signed-by-ca.p7", "text/html");
    REQUIRE_FALSE(wrong_type);
    CHECK(wrong_type.error().code == ErrorCode::bad_reply);
    // A current CA without RA (scepserver): only the CA itself may sign the rollover.
    auto ca_only = parse("openssl/getcacert-ca-only.p7b", k_ca_ra);
    REQUIRE(ca_only);
    CHECK(parse_get_next_ca_cert(test::read_data("rollover/next-signed-by-ca.p7"), "", *ca_only, std::time(nullptr)));
    CHECK_FALSE(
        parse_get_next_ca_cert(test::read_data("rollover/next-signed-by-ra.p7"), "", *ca_only, std::time(nullptr)));
}
