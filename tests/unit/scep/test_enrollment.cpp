// Algorithm choice from GetCACaps (RFC 8894 §3.5.2), a profile's allowed digests, and the
// validity check of an issued certificate.
#include <catch2/catch.hpp>

#include "scep/enrollment.hpp"
#include "test_support.hpp"

using scep::Capabilities;
using scep::ContentCipher;
using scep::MessageDigest;

namespace {

scep::AlgorithmChoice choose(std::string_view caps, scep::AlgorithmPreference preference = {}) {
    auto choice = scep::choose_algorithms(Capabilities::parse(caps), preference);
    REQUIRE(choice);
    return *choice;
}

} // namespace

TEST_CASE("defaults follow the caps: AES-128 and SHA-256, else DES3 and the best SHA", "[enrollment]") {
    auto modern = choose("AES\nSHA-256\nSHA-512\nPOSTPKIOperation\n");
    CHECK(modern.cipher == ContentCipher::aes128_cbc);
    CHECK(modern.digest == MessageDigest::sha256);
    CHECK(modern.warnings.empty());

    auto ndes = choose("POSTPKIOperation\nRenewal\nSHA-512\nSHA-256\nSHA-1\nDES3\n");
    CHECK(ndes.cipher == ContentCipher::des3_cbc);
    CHECK(ndes.digest == MessageDigest::sha256);

    auto standard = choose("SCEPStandard\n");
    CHECK(standard.cipher == ContentCipher::aes128_cbc);
    CHECK(standard.digest == MessageDigest::sha256);

    auto sha512_only = choose("AES\nSHA-512\n");
    CHECK(sha512_only.digest == MessageDigest::sha512);

    auto empty = choose("");
    CHECK(empty.cipher == ContentCipher::des3_cbc);
    CHECK(empty.digest == MessageDigest::sha1);
    CHECK(empty.warnings.size() == 2);
}

TEST_CASE("explicit choices the caps lack are refused unless forced", "[enrollment]") {
    scep::AlgorithmPreference preference;
    preference.cipher = ContentCipher::aes256_cbc;
    auto refused = scep::choose_algorithms(Capabilities::parse("DES3\nSHA-256\n"), preference);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == util::ErrorCode::usage);
    CHECK_THAT(refused.error().message, Catch::Contains("--force-alg"));
    preference.force = true;
    CHECK(choose("DES3\nSHA-256\n", preference).cipher == ContentCipher::aes256_cbc);
}

TEST_CASE("a profile's allowed_digests narrow the automatic choice", "[enrollment]") {
    scep::AlgorithmPreference preference;
    preference.allowed_digests = {MessageDigest::sha512};
    CHECK(choose("AES\nSHA-256\nSHA-512\n", preference).digest == MessageDigest::sha512);

    preference.allowed_digests = {MessageDigest::sha1};
    auto sha1 = choose("DES3\nSHA-256\nSHA-1\n", preference);
    CHECK(sha1.digest == MessageDigest::sha1);
    REQUIRE(sha1.warnings.size() == 1);
    CHECK_THAT(sha1.warnings[0], Catch::Contains("allowed_digests"));

    preference.allowed_digests = {MessageDigest::sha512};
    auto none = scep::choose_algorithms(Capabilities::parse("AES\nSHA-256\n"), preference);
    REQUIRE_FALSE(none);
    CHECK(none.error().code == util::ErrorCode::usage);
    CHECK_THAT(none.error().message, Catch::Contains("none of the profile's allowed_digests (sha512)"));
}

TEST_CASE("an issued certificate is accepted only when it is valid now", "[enrollment]") {
    constexpr std::int64_t now = 1796342400; // 2026-12-04T00:00:00Z
    const auto check = [&](const char* name) {
        return scep::check_issued_validity(test::certificate(std::string("validity/") + name), now);
    };
    CHECK(check("current.pem"));
    CHECK(check("starts-soon.pem")); // notBefore 4 minutes ahead: within the allowed clock skew

    const auto refused = [&](const char* name, const char* says) {
        const auto result = check(name);
        REQUIRE_FALSE(result);
        CHECK(result.error().code == util::ErrorCode::verification);
        CHECK_THAT(result.error().message, Catch::Matchers::Contains(says));
        CHECK_THAT(result.error().message, Catch::Matchers::Contains("nothing was written"));
    };
    refused("expired.pem", "already expired on 2021-01-01T00:00:00Z");
    refused("inverted.pem", "ends (2020-01-01T00:00:00Z) before it begins (2030-01-01T00:00:00Z)");
    refused("future.pem", "not valid before 2036-01-01T00:00:00Z, more than 5 minutes from now");
    // The boundaries: notAfter exactly now is still valid; notBefore one second past the skew is not.
    CHECK(scep::check_issued_validity(test::certificate("validity/expired.pem"), 1609459200));
    CHECK_FALSE(scep::check_issued_validity(test::certificate("validity/starts-soon.pem"),
                                            1796342400 + 240 - scep::k_max_not_before_skew - 1));
}
