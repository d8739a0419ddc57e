// The request side is checked by a third party: the openssl CLI verifies, decrypts and prints
// what our code built. The reply side needs CertReps the openssl CLI cannot make: those come
// from the NDES fixture's Python writer (test_cert_rep.cpp, tests/data/certrep) and from the
// interop tests against scepserver and the NDES fixture.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "scep/csr.hpp"
#include "scep/pki_message.hpp"
#include "test_support.hpp"

using namespace scep;
namespace fs = std::filesystem;

namespace {

using test::shell;
using test::TempDir;

PrivateKey load_key(const std::string& file) {
    return test::private_key("openssl/" + file);
}

// `openssl asn1parse` of DER our code built; an unparsable encoding fails the test.
std::string asn1parse(const Bytes& der) {
    TempDir dir;
    test::write_file(dir.path / "object.der", der);
    int status = 0;
    const std::string parsed = shell("openssl asn1parse -inform DER -in " + (dir.path / "object.der").string(), status);
    INFO(parsed);
    CHECK(status == 0);
    return parsed;
}

DistinguishedName dn(const std::string& text) {
    auto parsed = parse_distinguished_name(text);
    REQUIRE(parsed);
    return *parsed;
}

} // namespace

TEST_CASE("the CSR verifies with openssl and carries challenge, key usage, EKU and SANs", "[pki]") {
    TempDir dir;
    const PrivateKey key = load_key("ra-sign.key"); // any openssl-made RSA key
    CsrParams params;
    params.subject = dn("CN=device-1,O=Example\\, Inc.,C=DE");
    params.alt_names = {*parse_subject_alt_name("dns:device-1.example.test"),
                        *parse_subject_alt_name("upn:dev1@example.test")};
    params.challenge_password = util::Secret("DD6DA6122CECE213");
    params.digital_signature = true;
    params.key_encipherment = false;
    params.extended_key_usages = {"clientAuth"};
    auto csr = build_csr(key, params);
    REQUIRE(csr);
    test::write_file(dir.path / "csr.der", csr->der);

    int status = 0;
    const std::string text = shell("openssl req -inform DER -in " + (dir.path / "csr.der").string() +
                                       " -verify -noout -text -nameopt RFC2253",
                                   status);
    INFO(text);
    CHECK(status == 0);
    CHECK(text.find("verify OK") != std::string::npos);
    CHECK(text.find("Subject: CN=device-1,O=Example\\, Inc.,C=DE") != std::string::npos);
    CHECK(text.find("challengePassword        :DD6DA6122CECE213") != std::string::npos);
    const auto usage = text.find("X509v3 Key Usage: critical");
    REQUIRE(usage != std::string::npos);
    const auto usage_value = text.substr(text.find('\n', usage) + 1,
                                         text.find('\n', text.find('\n', usage) + 1) - text.find('\n', usage) - 1);
    CHECK(std::string(trim_ascii(usage_value)) == "Digital Signature"); // no Key Encipherment asked for
    CHECK(text.find("TLS Web Client Authentication") != std::string::npos);
    CHECK(text.find("DNS:device-1.example.test") != std::string::npos);
    CHECK(text.find("othername: UPN::dev1@example.test") != std::string::npos);
    CHECK(text.find("sha256WithRSAEncryption") != std::string::npos);
}

TEST_CASE("PKCSReq: openssl verifies the signature, reads the SCEP attributes and decrypts the CSR", "[pki]") {
    TempDir dir;
    const PrivateKey key = load_key("ra-sign.key");
    CsrParams params;
    params.subject = dn("CN=pkcsreq-test");
    params.challenge_password = util::Secret("secret");
    auto csr = build_csr(key, params);
    REQUIRE(csr);
    auto signer = make_self_signed_signer(key, csr->subject.get(), MessageDigest::sha256);
    REQUIRE(signer);
    CHECK(signer->is_self_signed());
    CHECK(to_names(signer->key_usage()) == std::vector<std::string>{"digitalSignature", "keyEncipherment"});
    CHECK(signer->subject() == "CN=pkcsreq-test");

    auto recipient = Certificate::from_pem(test::read_text("openssl/ra-encrypt.pem"));
    REQUIRE(recipient);
    for (const auto cipher : {ContentCipher::aes128_cbc, ContentCipher::aes256_cbc, ContentCipher::des3_cbc}) {
        INFO(to_string(cipher));
        OutgoingMessage message;
        message.type = MessageType::pkcs_req;
        message.transaction_id = transaction_id_for(key);
        message.sender_nonce = random_nonce();
        message.cipher = cipher;
        message.digest = MessageDigest::sha256;
        auto pki = build_pki_message(message, csr->der, *signer, key, recipient->front());
        REQUIRE(pki);
        test::write_file(dir.path / "req.p7", *pki);

        int status = 0;
        const std::string p7 = (dir.path / "req.p7").string();
        const std::string inner = (dir.path / "inner.der").string();
        shell("openssl cms -verify -noverify -binary -inform DER -in " + p7 + " -out " + inner, status);
        CHECK(status == 0);
        const std::string decrypted = (dir.path / "csr.der").string();
        const std::string out = shell("openssl cms -decrypt -binary -inform DER -in " + inner + " -recip " +
                                          test::data_path("openssl/ra-encrypt.pem") + " -inkey " +
                                          test::data_path("openssl/ra-encrypt.key") + " -out " + decrypted,
                                      status);
        INFO(out);
        CHECK(status == 0);
        std::ifstream in(decrypted, std::ios::binary);
        const Bytes roundtrip((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(roundtrip == Bytes(csr->der.begin(), csr->der.end()));

        const std::string printed = shell("openssl cms -cmsout -print -inform DER -in " + p7, status);
        CHECK(status == 0);
        // messageType 19 (PKCSReq), our transactionID and nonce as signed attributes (RFC 8894 §3.2.1)
        CHECK(printed.find("(2.16.840.1.113733.1.9.2)") != std::string::npos);
        CHECK(printed.find("PRINTABLESTRING:19") != std::string::npos);
        CHECK(printed.find("PRINTABLESTRING:" + message.transaction_id) != std::string::npos);
        CHECK(printed.find("(2.16.840.1.113733.1.9.5)") != std::string::npos);
        const std::string cipher_oid = cipher == ContentCipher::aes128_cbc   ? "aes-128-cbc"
                                       : cipher == ContentCipher::aes256_cbc ? "aes-256-cbc"
                                                                             : "des-ede3-cbc";
        const std::string envelope = shell("openssl cms -cmsout -print -inform DER -in " + inner, status);
        CHECK(envelope.find(cipher_oid) != std::string::npos);
    }
}

TEST_CASE("transaction IDs are stable per key and printable; nonces are fresh", "[pki]") {
    const PrivateKey a = load_key("ra-sign.key");
    const PrivateKey b = load_key("ra-encrypt.key");
    CHECK(transaction_id_for(a) == transaction_id_for(a));
    CHECK(transaction_id_for(a) != transaction_id_for(b));
    CHECK(transaction_id_for(a).size() == 64);
    CHECK(transaction_id_for(a).find_first_not_of("0123456789ABCDEF") == std::string::npos);
    CHECK(random_nonce() != random_nonce());
}

TEST_CASE("a renewal that keeps its key gets a transaction ID of its own, stable per certificate", "[pki]") {
    const PrivateKey key = load_key("ra-sign.key");
    const Certificate cert = test::certificate("openssl/ra-sign.pem");
    const Certificate other = test::certificate("openssl/ca.pem");
    const TransactionId renewal = renewal_transaction_id(key, cert);
    CHECK(renewal == renewal_transaction_id(key, cert));
    CHECK(renewal != transaction_id_for(key)); // not the ID of the request that issued `cert`
    CHECK(renewal != renewal_transaction_id(key, other));
    CHECK(renewal.size() == 64);
    CHECK(renewal.find_first_not_of("0123456789ABCDEF") == std::string::npos);
    // Independently: upper-case hex SHA-256 of SubjectPublicKeyInfo || certificate DER, by the openssl CLI.
    test::TempDir dir;
    const std::string cert_der = (dir.path / "cert.der").string();
    test::write_file(cert_der, cert.der());
    int status = 0;
    const std::string expected =
        shell("(openssl pkey -in " + test::data_path("openssl/ra-sign.key") + " -pubout -outform DER; cat " + cert_der +
                  ") | openssl dgst -sha256 -r | cut -c1-64 | tr a-f A-F",
              status);
    REQUIRE(status == 0);
    CHECK(renewal + "\n" == expected);
}

TEST_CASE("IssuerAndSubject is the DER SEQUENCE of both names", "[pki]") {
    auto ca = Certificate::from_pem(test::read_text("openssl/ca.pem"));
    auto ra = Certificate::from_pem(test::read_text("openssl/ra-sign.pem"));
    REQUIRE(ca);
    REQUIRE(ra);
    auto der =
        issuer_and_subject(X509_get_subject_name(ca->front().native()), X509_get_subject_name(ra->front().native()));
    REQUIRE(der);
    const std::string parsed = asn1parse(*der);
    INFO(parsed);
    CHECK(parsed.find("Test NDES Root CA") < parsed.find("TESTNDES-MSCEP-RA"));
    CHECK(parsed.rfind("    0:d=0  hl=", 0) == 0); // one outer SEQUENCE
}

TEST_CASE("serial numbers are read as openssl and Windows show them", "[pki][query]") {
    CHECK(*parse_serial_hex("02") == "2");
    CHECK(*parse_serial_hex("0x1003") == "1003");
    CHECK(*parse_serial_hex("2f:ae:28:76") == "2FAE2876");
    CHECK(*parse_serial_hex(" 61 00 00 00 02 ") == "6100000002");
    CHECK(*parse_serial_hex("00") == "0");
    for (const char* bad : {"", "0x", "12G4", "-5", ":::", "1234567890123456789012345678901234567890A"}) {
        INFO(bad);
        auto parsed = parse_serial_hex(bad);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().code == ErrorCode::usage);
    }
}

TEST_CASE("IssuerAndSerialNumber: openssl reads the CA name and the serial back", "[pki][query]") {
    const Certificate ca = test::certificate("openssl/ca.pem");
    auto der = issuer_and_serial(X509_get_subject_name(ca.native()), "2F:AE:28:76:98:CB:6C:1C:0F:07:8B:79:81:74:E8:A2");
    REQUIRE(der);
    const std::string parsed = asn1parse(*der);
    INFO(parsed);
    CHECK(parsed.rfind("    0:d=0  hl=", 0) == 0); // one outer SEQUENCE
    CHECK(parsed.find("Test NDES Root CA") < parsed.find("INTEGER           :2FAE287698CB6C1C0F078B798174E8A2"));
    // A serial with the high bit set gets its leading zero byte (a positive INTEGER).
    auto high = issuer_and_serial(X509_get_subject_name(ca.native()), "FF01");
    REQUIRE(high);
    CHECK(high->size() > 4);
    CHECK(std::vector<std::uint8_t>(high->end() - 5, high->end()) ==
          std::vector<std::uint8_t>{0x02, 0x03, 0x00, 0xFF, 0x01});
}

TEST_CASE("fail info names never crash on unknown values", "[pki]") {
    CHECK(fail_info_name(2) == "badRequest");
    CHECK(fail_info_name(7) == "unknown(7)");
    CHECK(fail_info_name(-1) == "unknown(-1)");
}

TEST_CASE("cipher and digest names: from_string is the inverse of to_string", "[pki_message]") {
    for (const auto cipher :
         {scep::ContentCipher::aes128_cbc, scep::ContentCipher::aes256_cbc, scep::ContentCipher::des3_cbc}) {
        CHECK(scep::cipher_from_string(scep::to_string(cipher)) == cipher);
    }
    for (const auto digest : {scep::MessageDigest::sha1, scep::MessageDigest::sha256, scep::MessageDigest::sha512}) {
        CHECK(scep::digest_from_string(scep::to_string(digest)) == digest);
    }
    CHECK_FALSE(scep::cipher_from_string("des"));
    CHECK_FALSE(scep::cipher_from_string("AES128"));
    CHECK_FALSE(scep::digest_from_string("md5"));
}

TEST_CASE("fail_info_is compares an error's failInfo with the named value", "[pki_message]") {
    CHECK(scep::fail_info_is(2, scep::FailInfo::bad_request));
    CHECK_FALSE(scep::fail_info_is(1, scep::FailInfo::bad_request));
    CHECK_FALSE(scep::fail_info_is(std::nullopt, scep::FailInfo::bad_alg));
}
