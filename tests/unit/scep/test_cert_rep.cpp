// CertRep parsing, checking and opening against replies made by a third party: the NDES
// fixture's CertRep writer on python3-cryptography (tests/data/certrep/README.md), signed by the
// openssl-made RA of tests/data/openssl and encrypted to an openssl-made client certificate.
#include <fstream>
#include <iterator>
#include <sstream>

#include <catch2/catch.hpp>

#include "scep/enrollment.hpp"
#include "scep/pki_message.hpp"
#include "test_support.hpp"

using namespace scep;

namespace {

// The fixed values the vectors were made with: "NAME VALUE" lines of tests/data/certrep/values.txt.
std::string value(const std::string& name) {
    std::istringstream in(test::read_text("certrep/values.txt"));
    std::string n, v;
    while (in >> n >> v) {
        if (n == name) return v;
    }
    FAIL("no " << name << " in certrep/values.txt");
    return {};
}

std::string vectors_transaction_id() {
    return value("transactionID");
}

// Our senderNonce, which the replies echo as recipientNonce; compared in hex with values.txt.
constexpr Nonce k_recipient_nonce{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                  0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

struct Requester {
    PrivateKey key = test::private_key("certrep/client.key");
    Certificate cert = test::certificate("certrep/client.pem"); // the self-signed one our request was signed with
    Certificate ra_sign = test::certificate("openssl/ra-sign.pem");
    Certificate ca = test::certificate("openssl/ca.pem");
};

Result<CertRep> parse(const std::string& vector, const Certificate& signer) {
    return parse_cert_rep(test::read_data("certrep/" + vector), signer);
}

CertRep parsed(const std::string& vector, const Requester& client) {
    auto rep = parse(vector, client.ra_sign);
    INFO(vector << ": " << (rep ? std::string() : rep.error().message));
    REQUIRE(rep);
    return *rep;
}

} // namespace

TEST_CASE("the vectors' transaction ID is ours for the client key", "[certrep]") {
    // Computed independently in Python; the same rule must give the same ID, or resumes break.
    CHECK(transaction_id_for(Requester{}.key) == vectors_transaction_id());
    CHECK(to_hex(k_recipient_nonce) == value("recipientNonce"));
}

TEST_CASE("SUCCESS: DES3 and AES-128 envelopes, SHA-1 and SHA-256 signatures, no certificates inside", "[certrep]") {
    const Requester client;
    struct Case {
        const char* file;
        const char* digest;
        const char* cipher;
    };
    for (const Case& c : {Case{"success-des3-sha1.der", "SHA1", "DES-EDE3-CBC"},
                          Case{"success-des3-sha256.der", "SHA256", "DES-EDE3-CBC"},
                          Case{"success-aes128-sha1.der", "SHA1", "AES-128-CBC"},
                          Case{"success-aes128-sha256.der", "SHA256", "AES-128-CBC"}}) {
        INFO(c.file);
        const CertRep rep = parsed(c.file, client);
        CHECK(rep.status == PkiStatus::success);
        CHECK_FALSE(rep.fail_info);
        CHECK_FALSE(rep.fail_info_text);
        CHECK(rep.signature_digest == c.digest);
        CHECK(rep.transaction_id == vectors_transaction_id());
        CHECK(rep.recipient_nonce == k_recipient_nonce);
        CHECK_FALSE(rep.enveloped_data.empty());
        CHECK(check_cert_rep(rep, vectors_transaction_id(), k_recipient_nonce));

        auto issued = open_cert_rep(rep, client.cert, client.key);
        INFO((issued ? std::string() : issued.error().message));
        REQUIRE(issued);
        CHECK(issued->envelope_cipher == c.cipher);
        CHECK(client.key.matches(issued->certificate));
        CHECK(issued->certificate.subject() == "CN=scepctl certrep client");
        CHECK(issued->certificate.serial_hex() == value("issued-serial"));
        CHECK(issued->certificate.issued_by(client.ca));
        REQUIRE(issued->others.size() == 1);
        CHECK(issued->others.front().der() == client.ca.der());
    }
}

TEST_CASE("PENDING: with NDES's one-byte content and without content", "[certrep]") {
    const Requester client;
    for (const char* file : {"pending.der", "pending-no-content.der"}) {
        INFO(file);
        const CertRep rep = parsed(file, client);
        CHECK(rep.status == PkiStatus::pending);
        CHECK_FALSE(rep.fail_info);
        CHECK(rep.enveloped_data.empty());
        CHECK(rep.transaction_id == vectors_transaction_id());
        CHECK(check_cert_rep(rep, vectors_transaction_id(), k_recipient_nonce));
    }
    CHECK(parsed("pending.der", client).signature_digest == "SHA1");
    CHECK(parsed("pending-no-content.der", client).signature_digest == "SHA256");
}

TEST_CASE("FAILURE: every failInfo by name with its text, mapped to exit 70-74", "[certrep]") {
    const Requester client;
    struct Case {
        const char* name;
        int fail_info;
        const char* text;
    };
    for (const Case& c : {Case{"badAlg", 0, "Unrecognized or unsupported algorithm identifier"},
                          Case{"badMessageCheck", 1, "Integrity check failed"},
                          Case{"badRequest", 2, "Transaction not permitted or supported"},
                          Case{"badTime", 3, "Message time field was not sufficiently close to the system time"},
                          Case{"badCertId", 4, "No certificate could be identified matching the provided criteria"}}) {
        INFO(c.name);
        const CertRep rep = parsed(std::string("failure-") + c.name + ".der", client);
        CHECK(rep.status == PkiStatus::failure);
        REQUIRE(rep.fail_info);
        CHECK(*rep.fail_info == c.fail_info);
        CHECK(fail_info_name(*rep.fail_info) == c.name);
        CHECK(rep.fail_info_text == std::optional<std::string>(c.text));
        CHECK(rep.enveloped_data.empty());
        CHECK(check_cert_rep(rep, vectors_transaction_id(), k_recipient_nonce));

        const Error error = cert_rep_failure(rep);
        CHECK(error.code == ErrorCode::ca_failure);
        CHECK(error.fail_info == c.fail_info);
        CHECK(error.message.find(std::string("refused the request: ") + c.name + " (\"" + c.text + "\")") !=
              std::string::npos);
    }
}

TEST_CASE("FAILURE without failInfoText, and with a failInfo RFC 8894 does not define", "[certrep]") {
    const Requester client;
    const CertRep plain = parsed("failure-badRequest-no-text.der", client);
    CHECK(plain.fail_info == 2);
    CHECK_FALSE(plain.fail_info_text);
    CHECK(cert_rep_failure(plain).fail_info == 2);

    const CertRep unknown = parsed("failure-unknown-failinfo.der", client);
    CHECK(unknown.status == PkiStatus::failure);
    CHECK(unknown.fail_info == 9);
    const Error error = cert_rep_failure(unknown);
    CHECK(error.message.find("unknown(9)") != std::string::npos);
    CHECK(error.code == ErrorCode::ca_failure);
    CHECK(error.fail_info == 9); // cli maps a failInfo it does not know to exit 2 (unit/cli/test_cli.cpp)
}

TEST_CASE("a reply is verified only with the RA signing certificate from GetCACert", "[certrep]") {
    const Requester client;
    for (const char* file : {"tampered-signature.der", "wrong-signer-key.der", "foreign-signer.der"}) {
        INFO(file);
        auto rep = parse(file, client.ra_sign);
        REQUIRE_FALSE(rep);
        CHECK(rep.error().code == ErrorCode::verification);
        CHECK(rep.error().message.find("signature does not verify with 'CN=TESTNDES-MSCEP-RA,O=scepctl tests'") !=
              std::string::npos);
    }
    // A sound reply checked against another certificate (here the CA) fails the same way.
    auto wrong_anchor = parse("success-des3-sha1.der", client.ca);
    REQUIRE_FALSE(wrong_anchor);
    CHECK(wrong_anchor.error().code == ErrorCode::verification);
}

TEST_CASE("a reply for another transaction or nonce is refused after a good signature", "[certrep]") {
    const Requester client;
    const CertRep other_transaction = parsed("wrong-transaction.der", client);
    auto checked = check_cert_rep(other_transaction, vectors_transaction_id(), k_recipient_nonce);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == ErrorCode::verification);
    CHECK(checked.error().message.find("not ours ('" + vectors_transaction_id() + "')") != std::string::npos);

    const CertRep other_nonce = parsed("wrong-nonce.der", client);
    CHECK(other_nonce.transaction_id == vectors_transaction_id());
    checked = check_cert_rep(other_nonce, vectors_transaction_id(), k_recipient_nonce);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == ErrorCode::verification);
    CHECK(checked.error().message.find("recipientNonce does not match") != std::string::npos);
}

TEST_CASE("an envelope for another certificate, or a certificate for another key, is refused", "[certrep]") {
    const Requester client;
    const CertRep to_other = parsed("wrong-recipient.der", client);
    REQUIRE(check_cert_rep(to_other, vectors_transaction_id(), k_recipient_nonce));
    auto opened = open_cert_rep(to_other, client.cert, client.key);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().code == ErrorCode::verification);
    CHECK(opened.error().message.find("encrypted to another certificate, not to 'CN=scepctl certrep client'") !=
          std::string::npos);

    const CertRep foreign = parsed("foreign-key-cert.der", client);
    REQUIRE(check_cert_rep(foreign, vectors_transaction_id(), k_recipient_nonce));
    opened = open_cert_rep(foreign, client.cert, client.key);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().code == ErrorCode::verification);
    CHECK(opened.error().message == "reply holds no certificate for our key");
}

TEST_CASE("a renewal reply: encrypted to the old certificate, issued to the new key", "[certrep]") {
    // foreign-key-cert.der is encrypted to client.pem and holds a certificate for other-client.key:
    // what a renewal with a new key pair gets (RFC 8894 §2.5, §3.3.2.1).
    const Requester client;
    const PrivateKey new_key = test::private_key("certrep/other-client.key");
    const CertRep rep = parsed("foreign-key-cert.der", client);
    auto issued = open_cert_rep(rep, client.cert, client.key, new_key);
    INFO((issued ? std::string() : issued.error().message));
    REQUIRE(issued);
    CHECK(new_key.matches(issued->certificate));
    CHECK(issued->certificate.serial_hex() == value("foreign-issued-serial"));
    CHECK(issued->certificate.issued_by(client.ca));

    // The new key cannot open it: the envelope names the old certificate only.
    auto wrong = open_cert_rep(rep, client.cert, new_key, new_key);
    REQUIRE_FALSE(wrong);
}

TEST_CASE("a truncated reply is malformed, not a crash", "[certrep]") {
    const Requester client;
    Bytes der = test::read_data("certrep/success-des3-sha1.der");
    der.resize(der.size() / 2);
    auto rep = parse_cert_rep(der, client.ra_sign);
    REQUIRE_FALSE(rep);
    CHECK(rep.error().code == ErrorCode::bad_reply);
}

TEST_CASE("an envelope that decrypts to anything but one whole PKCS#7 is refused", "[certrep]") {
    // Envelopes made by the openssl CLI (cms -encrypt) to the client certificate: plain text, a
    // PKCS#7 certs-only bundle with a byte after it, and the bundle alone (which opens).
    const Requester client;
    test::TempDir dir;
    const std::string d = dir.path.string();
    const std::string cert = test::data_path("certrep/client.pem");
    int status = 0;
    const std::string made =
        test::shell("cd '" + d + "' && printf 'not a PKCS#7' > text.bin && openssl crl2pkcs7 -nocrl -certfile '" +
                        test::data_path("openssl/ca.pem") + "' -certfile '" + cert +
                        "' -outform DER -out bundle.der && cp bundle.der trailing.der && printf 'x' >> trailing.der &&"
                        " for f in text bundle trailing; do openssl cms -encrypt -binary -aes128 -in $f.* -outform DER"
                        " -out $f.env '" +
                        cert + "' || exit 1; done",
                    status);
    INFO(made);
    REQUIRE(status == 0);
    const auto envelope = [&](const std::string& name) {
        std::ifstream in(dir.path / (name + ".env"), std::ios::binary);
        CertRep rep;
        rep.status = PkiStatus::success;
        rep.enveloped_data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        return rep;
    };
    for (const char* name : {"text", "trailing"}) {
        INFO(name);
        auto opened = open_envelope(envelope(name), client.cert, client.key);
        REQUIRE_FALSE(opened);
        CHECK(opened.error().code == ErrorCode::bad_reply);
        CHECK(opened.error().message.find("decrypted to something that is not PKCS#7") != std::string::npos);
    }
    auto opened = open_envelope(envelope("bundle"), client.cert, client.key);
    INFO((opened ? std::string() : opened.error().message));
    REQUIRE(opened);
    std::ifstream in(dir.path / "bundle.der", std::ios::binary);
    CHECK(opened->content == Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}
