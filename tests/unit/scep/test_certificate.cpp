#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "scep/certificate.hpp"
#include "test_support.hpp"

using namespace scep;

namespace {

Certificate load_pem(const std::string& file) {
    auto certs = Certificate::from_pem(test::read_text("openssl/" + file));
    REQUIRE(certs);
    REQUIRE(certs->size() == 1);
    return certs->front();
}

// The value after "key=" in the block of expected.txt that belongs to `file`, in the block's
// `occurrence`-th match (0 = openssl's default output, 1 = the -nameopt RFC2253 output).
std::string expected_value(const std::string& file, const std::string& key, int occurrence = 0) {
    std::ifstream in(test::data_path("openssl/expected.txt"));
    std::string line;
    bool in_block = false;
    int seen = 0;
    while (std::getline(in, line)) {
        if (line.rfind("== ", 0) == 0)
            in_block = line == "== " + file;
        else if (in_block && line.rfind(key + "=", 0) == 0 && seen++ == occurrence)
            return line.substr(key.size() + 1);
    }
    throw std::runtime_error("no " + key + " for " + file);
}

} // namespace

TEST_CASE("certificate fields match what the openssl CLI printed", "[certificate]") {
    for (const std::string file : {"ca.pem", "ra-sign.pem", "ra-encrypt.pem", "intermediate.pem"}) {
        INFO(file);
        const Certificate cert = load_pem(file);
        CHECK(cert.subject() == expected_value(file, "subject", 1));
        CHECK(cert.issuer() == expected_value(file, "issuer", 1));
        CHECK(cert.serial_hex() == expected_value(file, "serial"));
        CHECK(to_hex(cert.fingerprint(DigestAlg::sha256)) == test::fingerprint_of(file, "sha256"));
        CHECK(to_hex(cert.fingerprint(DigestAlg::sha1)) == test::fingerprint_of(file, "sha1"));
        CHECK(to_hex(cert.fingerprint(DigestAlg::md5)) == test::fingerprint_of(file, "md5"));
        CHECK(cert.is_rsa());
    }
}

TEST_CASE("key usage, CA flag and self-signature", "[certificate]") {
    const Certificate ca = load_pem("ca.pem");
    const Certificate ra_sign = load_pem("ra-sign.pem");
    const Certificate ra_encrypt = load_pem("ra-encrypt.pem");
    CHECK(ca.is_ca());
    CHECK(ca.is_self_signed());
    CHECK(ca.key_usage().key_cert_sign);
    CHECK(to_names(ca.key_usage()) == std::vector<std::string>{"keyCertSign", "cRLSign"});
    CHECK_FALSE(ra_sign.is_ca());
    CHECK_FALSE(ra_sign.is_self_signed());
    CHECK(to_names(ra_sign.key_usage()) == std::vector<std::string>{"digitalSignature"});
    CHECK(to_names(ra_encrypt.key_usage()) == std::vector<std::string>{"keyEncipherment"});
    CHECK(ra_sign.issued_by(ca));
    CHECK_FALSE(ca.issued_by(ra_sign));
    CHECK_FALSE(load_pem("foreign-ra.pem").issued_by(ca));
}

TEST_CASE("extended key usages come back as dotted OIDs, in certificate order", "[certificate]") {
    test::TempDir dir;
    auto certs = Certificate::from_pem(
        test::openssl_self_signed(dir.path, "-addext extendedKeyUsage=clientAuth,1.2.3.4,serverAuth"));
    REQUIRE(certs);
    CHECK(certs->front().extended_key_usage() ==
          std::vector<std::string>{"1.3.6.1.5.5.7.3.2", "1.2.3.4", "1.3.6.1.5.5.7.3.1"});
    CHECK(load_pem("ca.pem").extended_key_usage().empty());
}

TEST_CASE("DER and PEM loading, copies share the certificate", "[certificate]") {
    auto from_der = Certificate::from_der(test::read_data("openssl/ca.der"));
    REQUIRE(from_der);
    CHECK(from_der->der() == test::read_data("openssl/ca.der"));
    Certificate copy = *from_der;
    CHECK(copy.native() == from_der->native());
    CHECK(copy.pem() == test::read_text("openssl/ca.pem"));

    auto garbage = Certificate::from_der(test::read_data("openssl/getcacert-garbage.bin"));
    REQUIRE_FALSE(garbage);
    CHECK(garbage.error().code == ErrorCode::bad_reply);
    CHECK_FALSE(Certificate::from_pem("not pem"));

    auto der = test::read_data("openssl/ca.der");
    der.push_back(0);
    auto trailing = Certificate::from_der(der);
    REQUIRE_FALSE(trailing);
    CHECK(trailing.error().message.find("trailing") != std::string::npos);
}

TEST_CASE("fingerprint parsing accepts what admins paste", "[fingerprint]") {
    const std::string sha256 = test::fingerprint_of("ca.pem", "sha256");
    const Certificate ca = load_pem("ca.pem");

    auto plain = parse_fingerprint("sha256:" + sha256);
    REQUIRE(plain);
    CHECK(plain->alg == DigestAlg::sha256);
    CHECK(plain->matches(ca));
    CHECK(plain->to_string() == "sha256:" + sha256);

    // openssl's colon form, upper case, with SHA-256 spelled as in GetCACaps
    auto colons = parse_fingerprint("SHA-256:" + to_hex_grouped(ca.fingerprint(DigestAlg::sha256), ':'));
    REQUIRE(colons);
    CHECK(colons->matches(ca));

    // NDES admin page MD5 thumbprint: four space-separated groups, no prefix
    std::string md5 = test::fingerprint_of("ca.pem", "md5");
    const std::string ndes_style =
        md5.substr(0, 8) + " " + md5.substr(8, 8) + " " + md5.substr(16, 8) + " " + md5.substr(24);
    auto ndes = parse_fingerprint(ndes_style);
    REQUIRE(ndes);
    CHECK(ndes->alg == DigestAlg::md5);
    CHECK(ndes->matches(ca));

    auto sha1 = parse_fingerprint(test::fingerprint_of("ca.pem", "sha1"));
    REQUIRE(sha1);
    CHECK(sha1->alg == DigestAlg::sha1);
    CHECK(sha1->matches(ca));
    CHECK_FALSE(sha1->matches(load_pem("ra-sign.pem")));
}

TEST_CASE("fingerprint parsing accepts openssl's whole fingerprint line", "[fingerprint]") {
    // Lines exactly as `openssl x509 -noout -fingerprint -sha256|-sha1|-md5` printed them.
    std::istringstream lines(test::read_text("openssl/fingerprint-lines.txt"));
    const Certificate ca = load_pem("ca.pem");
    std::vector<DigestAlg> seen;
    for (std::string line; std::getline(lines, line);) {
        auto parsed = parse_fingerprint(line);
        INFO(line);
        REQUIRE(parsed);
        CHECK(parsed->matches(ca));
        seen.push_back(parsed->alg);
    }
    CHECK(seen == std::vector<DigestAlg>{DigestAlg::sha256, DigestAlg::sha1, DigestAlg::md5});
    // OpenSSL 1.1 spelled the algorithm in upper case.
    auto old_style = parse_fingerprint("SHA1 Fingerprint=" + to_hex_grouped(ca.fingerprint(DigestAlg::sha1), ':'));
    REQUIRE(old_style);
    CHECK(old_style->alg == DigestAlg::sha1);
    CHECK(old_style->matches(ca));
    auto sha512 = parse_fingerprint("sha512 Fingerprint=AB:CD");
    REQUIRE_FALSE(sha512);
    CHECK(sha512.error().message.find("sha512") != std::string::npos);
}

TEST_CASE("bad fingerprints are usage errors naming the problem", "[fingerprint]") {
    auto not_hex = parse_fingerprint("sha256:xyz");
    REQUIRE_FALSE(not_hex);
    CHECK(not_hex.error().code == ErrorCode::usage);
    CHECK(not_hex.error().message.find("not hex") != std::string::npos);

    auto wrong_length = parse_fingerprint("sha256:" + test::fingerprint_of("ca.pem", "sha1"));
    REQUIRE_FALSE(wrong_length);
    CHECK(wrong_length.error().message.find("32") != std::string::npos);

    CHECK_FALSE(parse_fingerprint(""));
    CHECK_FALSE(parse_fingerprint("abc"));        // odd number of digits
    CHECK_FALSE(parse_fingerprint("abcdef0123")); // 5 bytes: no known digest
    CHECK_FALSE(parse_fingerprint("sha512:00"));  // unknown prefix: ':' is not hex
}
