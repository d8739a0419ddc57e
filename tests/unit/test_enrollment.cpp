// Algorithm choice from GetCACaps (RFC 8894 §3.5.2) and a profile's allowed digests.
#include <catch2/catch.hpp>

#include "scep/enrollment.hpp"

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
    CHECK(refused.error().code == scep::ErrorCode::usage);
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
    CHECK(none.error().code == scep::ErrorCode::usage);
    CHECK_THAT(none.error().message, Catch::Contains("none of the profile's allowed_digests (sha512)"));
}
