// The decoder behind `scepctl decode`, on SCEP messages made by third-party clients (micromdm
// scepclient, strongSwan pki, certmonger) and servers (scepserver, the NDES fixture), captured in
// tests/data/decode (README.md there), and on the crafted messages of make_crafted.py.
#include <algorithm>

#include <catch2/catch.hpp>

#include "scep/decode.hpp"
#include "test_support.hpp"

using namespace scep;

namespace {

// 2026-12-04 22:30 UTC: inside the validity of every captured signer (scepclient's last an hour).
constexpr std::int64_t k_now = 1796423400;

struct Fixture {
    CaCertBundle ndes = bundle("openssl/getcacert-ndes.p7b");
    PrivateKey ra_encrypt = test::private_key("openssl/ra-encrypt.key");

    static CaCertBundle bundle(const std::string& vector) {
        auto parsed = parse_get_ca_cert(test::read_data(vector), "", k_now);
        REQUIRE(parsed);
        return std::move(parsed).value();
    }
};

DecodeOptions options(const CaCertBundle* bundle = nullptr, const PrivateKey* key = nullptr) {
    DecodeOptions o;
    o.ca_bundle = bundle;
    o.key = key;
    o.now_unix = k_now;
    return o;
}

Decoded decoded(ByteView input, const DecodeOptions& o) {
    auto result = decode(input, o);
    INFO((result ? std::string() : result.error().message));
    REQUIRE(result);
    return std::move(result).value();
}

Decoded decoded(const std::string& vector, const DecodeOptions& o) {
    return decoded(test::read_data("decode/" + vector), o);
}

const PkiMessageInfo& message(const Decoded& d) {
    REQUIRE(d.kind == Decoded::Kind::pki_message);
    REQUIRE(d.pki_message);
    return *d.pki_message;
}

std::string finding_text(const Decoded& d, const std::string& id) {
    for (const auto& f : d.findings) {
        if (f.id == id) return f.text;
    }
    return {};
}

std::vector<std::string> ids(const Decoded& d) {
    std::vector<std::string> out;
    for (const auto& f : d.findings)
        out.push_back(f.id);
    return out;
}

// Every line wrapped at `width` columns.
std::string wrapped(const std::string& text, std::size_t width) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += width)
        out += text.substr(i, width) + "\n";
    return out;
}

} // namespace

TEST_CASE("decode detects DER, PEM and base64 in the forms troubleshooters copy", "[decode]") {
    const Bytes der = test::read_data("decode/scepclient-ndes-pkcsreq.der");
    const std::string b64 = base64_encode(der);
    const auto as_input = [](const std::string& text) { return Bytes(text.begin(), text.end()); };

    SECTION("raw DER") {
        auto d = decoded(der, options());
        CHECK(d.input.encoding == InputEncoding::der);
        CHECK(d.input.der_size == der.size());
        CHECK(describe(d.input) == "DER, 3253 bytes");
    }
    SECTION("base64 on one line and line-wrapped") {
        auto one = decoded(as_input(b64 + "\n"), options());
        CHECK(one.input.encoding == InputEncoding::base64);
        CHECK_FALSE(one.input.line_wrapped);
        auto lines = decoded(as_input(wrapped(b64, 64)), options());
        CHECK(lines.input.line_wrapped);
        CHECK(lines.pki_message->transaction_id == one.pki_message->transaction_id);
        CHECK(describe(lines.input) == "base64, line-wrapped, 3253 bytes");
    }
    SECTION("PEM with any label") {
        auto d = decoded(as_input("-----BEGIN PKCS7-----\n" + wrapped(b64, 64) + "-----END PKCS7-----\n"), options());
        CHECK(d.input.encoding == InputEncoding::pem);
        CHECK(d.input.pem_label == "PKCS7");
        CHECK(message(d).message_type_name == "PKCSReq");
        // as Windows Notepad saves it: with a UTF-8 byte-order mark and CRLF
        std::string crlf = wrapped(b64, 64);
        for (std::size_t at = crlf.find('\n'); at != std::string::npos; at = crlf.find('\n', at + 2))
            crlf.replace(at, 1, "\r\n");
        auto bom =
            decoded(as_input("\xef\xbb\xbf-----BEGIN PKCS7-----\r\n" + crlf + "-----END PKCS7-----\r\n"), options());
        CHECK(bom.input.encoding == InputEncoding::pem);
        CHECK(message(bom).transaction_id == message(d).transaction_id);
    }
    SECTION("URL-encoded base64 as the message= parameter of a URL and of an IIS log line") {
        const std::string query = "operation=PKIOperation&message=" + percent_encode(b64);
        auto url =
            decoded(as_input("http://ndes.example.test/certsrv/mscep/mscep.dll/pkiclient.exe?" + query), options());
        CHECK(url.input.from_message_query);
        CHECK(url.input.url_encoded);
        CHECK_FALSE(url.input.base64url);
        CHECK(message(url).message_type_name == "PKCSReq");
        // W3C extended log format: date time s-ip cs-method cs-uri-stem cs-uri-query s-port ...
        const std::string iis = "2026-12-04 22:09:53 192.0.2.10 GET /certsrv/mscep/mscep.dll/pkiclient.exe " + query +
                                " 80 - 192.0.2.20 Go-http-client/1.1 - 200 0 0 31\r\n";
        auto log = decoded(as_input(iis), options());
        CHECK(log.input.from_message_query);
        CHECK(message(log).transaction_id == message(url).transaction_id);
        CHECK(describe(log.input) == "URL-encoded base64 from a message= query, 3253 bytes");
    }
    SECTION("micromdm scepclient's GET: base64url, padding as %3D (micromdm/scep#249)") {
        auto d = decoded("scepclient-ndes-get-base64url.url", options());
        CHECK(d.input.encoding == InputEncoding::base64);
        CHECK(d.input.from_message_query);
        CHECK(d.input.base64url);
        CHECK(d.input.url_encoded);
        CHECK(message(d).message_type_name == "PKCSReq");
        CHECK(message(d).transaction_id == "YxKxk2nCHDWhEpFHjDX5v1gXNgQ=");
        CHECK(d.has("base64url"));
        CHECK_THAT(finding_text(d, "base64url"), Catch::Contains("RFC 8894 §4.1 requires standard base64"));
    }
    SECTION("what is none of them is refused with a line saying what it looked like") {
        const auto error = [&](const std::string& text) {
            auto result = decode(as_input(text), options());
            REQUIRE_FALSE(result);
            CHECK(result.error().code == ErrorCode::bad_reply);
            return result.error().message;
        };
        CHECK_THAT(error(""), Catch::Contains("empty"));
        CHECK_THAT(error("hello, world"), Catch::Contains("neither PEM nor base64"));
        CHECK_THAT(error("https://ndes.example.test/certsrv/mscep/mscep.dll?operation=GetCACaps"),
                   Catch::Contains("without a message= parameter"));
        CHECK_THAT(error("message=%ZZ"), Catch::Contains("not a URL escape"));
        CHECK_THAT(error(std::string("\x01\x02\x03", 3)), Catch::Contains("binary but not DER"));
        CHECK_THAT(error(base64_encode(as_bytes("not DER at all"))), Catch::Contains("not DER"));
        CHECK_THAT(error("-----BEGIN PKCS7-----\nMIIB\n"), Catch::Contains("no END line"));
        Bytes truncated(der.begin(), der.begin() + 100);
        auto result = decode(truncated, options());
        REQUIRE_FALSE(result);
        CHECK_THAT(result.error().message, Catch::Contains("truncated or garbage"));
    }
    SECTION("bytes after the structure are named") {
        Bytes longer = der;
        longer.insert(longer.end(), {0x00, 0x00, 0x0d, 0x0a});
        auto d = decoded(longer, options());
        CHECK(d.has("trailing-bytes"));
        CHECK_THAT(finding_text(d, "trailing-bytes"), Catch::StartsWith("4 bytes follow the structure"));
    }
}

TEST_CASE("decode: micromdm scepclient's PKCSReq to the NDES fixture", "[decode]") {
    Fixture f;
    SECTION("alone: attributes, signer, envelope") {
        auto d = decoded("scepclient-ndes-pkcsreq.der", options());
        const auto& m = message(d);
        CHECK(m.message_type == 19);
        CHECK(m.message_type_name == "PKCSReq");
        CHECK(m.transaction_id == "VHC6QTUcNtS/L7RoSz9CPl7v1vk=");
        REQUIRE(m.sender_nonce);
        CHECK(to_hex(*m.sender_nonce) == "9fbeaecb959fd85cb2d03224530a80c0");
        CHECK_FALSE(m.recipient_nonce);
        CHECK_FALSE(m.pki_status);
        CHECK(m.signer.certificate_source == SignerSummary::Source::message);
        REQUIRE(m.signer.certificate);
        CHECK(m.signer.certificate->subject == "CN=SCEP SIGNER,O=scepctl decode vectors");
        CHECK(m.signer.certificate->self_signed);
        CHECK(m.signer.certificate->serial_hex == "8EC8DDE1955A3896B6485E7FF4730E72");
        CHECK(m.signer.digest_algorithm == "SHA1");
        CHECK(m.signer.signature_algorithm == "sha1WithRSAEncryption");
        CHECK(m.signer.signature == SignerSummary::Check::valid);
        REQUIRE(m.envelope);
        CHECK(m.envelope->content_cipher == "DES-CBC");
        CHECK(m.envelope->content_cipher_oid == "1.3.14.3.2.7");
        REQUIRE(m.envelope->recipients.size() == 3); // scepclient encrypts to every GetCACert certificate
        for (const auto& r : m.envelope->recipients) {
            CHECK(r.kind == "key transport");
            CHECK(r.key_encryption == "rsaEncryption");
            CHECK(r.issuer == "CN=Test NDES Root CA,O=scepctl tests");
            CHECK_FALSE(r.bundle_role);
        }
        CHECK(m.envelope->recipients[2].serial_hex == "1003");
        CHECK_FALSE(m.envelope->decrypted);
        CHECK(d.has("cipher-single-des"));
    }
    SECTION("with the bundle: which recipient is which, and the one NDES decrypts with") {
        auto d = decoded("scepclient-ndes-pkcsreq.der", options(&f.ndes));
        const auto& r = message(d).envelope->recipients;
        REQUIRE(r.size() == 3);
        CHECK(r[0].bundle_role == CertRole::issuing_ca);
        CHECK(r[1].bundle_role == CertRole::ra_signing);
        CHECK(r[2].bundle_role == CertRole::ra_encryption);
        CHECK(r[2].certificate_subject == "CN=TESTNDES-MSCEP-RA,O=scepctl tests");
        CHECK_FALSE(r[0].server_decrypts);
        CHECK_FALSE(r[1].server_decrypts);
        CHECK(r[2].server_decrypts);
        // One recipient NDES can open is enough: no complaint about the other two.
        for (const auto& id : ids(d))
            CHECK(id.rfind("encrypted-to", 0) != 0);
    }
    SECTION("with the RA encryption key: the inner PKCS#10, the challenge only as present") {
        auto d = decoded("scepclient-ndes-pkcsreq.der", options(&f.ndes, &f.ra_encrypt));
        const auto& env = *message(d).envelope;
        CHECK(env.recipients[2].matches_key);
        CHECK_FALSE(env.recipients[0].matches_key);
        REQUIRE(env.decrypted);
        CHECK(env.decrypted->kind == DecryptedContent::Kind::certification_request);
        REQUIRE(env.decrypted->csr);
        const CsrInfo& csr = *env.decrypted->csr;
        CHECK(csr.subject == "CN=scepclient-decode,OU=MDM,O=scepctl decode vectors,C=US");
        CHECK(csr.key_type == "RSA");
        CHECK(csr.key_bits == 2048);
        CHECK(csr.challenge_password_present);
        CHECK(csr.signature_valid);
        CHECK(csr.signature_algorithm == "sha256WithRSAEncryption");
        CHECK_FALSE(d.has("challenge-missing"));
    }
    SECTION("with caps that offer SHA-256") {
        const Capabilities caps = Capabilities::parse(test::read_text("openssl/caps-ndes-2016.txt"));
        auto o = options(&f.ndes);
        o.caps = &caps;
        auto d = decoded("scepclient-ndes-pkcsreq.der", o);
        CHECK(finding_text(d, "digest-sha1-while-sha256") ==
              "signed with SHA-1 while the server advertises SHA-256: use SHA-256");
        auto without = decoded("scepclient-ndes-pkcsreq.der", options(&f.ndes));
        CHECK_FALSE(without.has("digest-sha1-while-sha256"));
    }
}

TEST_CASE("decode: the NDES fixture's CertRep to scepclient, with the request and the requester's key", "[decode]") {
    Fixture f;
    const PrivateKey key = test::private_key("decode/scepclient-ndes.key");
    const Bytes request = test::read_data("decode/scepclient-ndes-pkcsreq.der");
    auto o = options(&f.ndes, &key);
    o.request = request;
    auto d = decoded("scepclient-ndes-certrep-success.der", o);
    const auto& m = message(d);
    CHECK(m.message_type_name == "CertRep");
    CHECK(m.pki_status == 0);
    CHECK(m.pki_status_name == "SUCCESS");
    CHECK(m.transaction_id == "VHC6QTUcNtS/L7RoSz9CPl7v1vk=");
    CHECK(to_hex(*m.recipient_nonce) == "9fbeaecb959fd85cb2d03224530a80c0");
    CHECK(m.certificates.empty()); // NDES sends none
    CHECK(m.signer.certificate_source == SignerSummary::Source::bundle);
    REQUIRE(m.signer.certificate);
    CHECK(m.signer.certificate->role == CertRole::ra_signing);
    CHECK(m.signer.signature == SignerSummary::Check::valid);
    REQUIRE(m.envelope);
    CHECK(m.envelope->content_cipher == "DES-EDE3-CBC");
    REQUIRE(m.envelope->recipients.size() == 1);
    CHECK(m.envelope->recipients[0].is_request_signer);
    CHECK(m.envelope->recipients[0].matches_key);
    REQUIRE(m.envelope->decrypted);
    CHECK(m.envelope->decrypted->kind == DecryptedContent::Kind::certificates);
    REQUIRE(m.envelope->decrypted->certificates.size() == 2);
    CHECK(m.envelope->decrypted->certificates[0].subject ==
          "CN=scepclient-decode,OU=MDM,O=scepctl decode vectors,C=US");
    CHECK(m.envelope->decrypted->certificates[0].issuer == "CN=Test NDES Root CA,O=scepctl tests");
    CHECK(m.envelope->decrypted->certificates[1].self_signed);
    CHECK(d.findings.empty());
}

TEST_CASE("decode: strongSwan pki's requests and the fixture's replies", "[decode]") {
    Fixture f;
    SECTION("PKCSReq with a subjectAltName, 3DES, SHA-256") {
        auto d = decoded("strongswan-ndes-pkcsreq-san.der", options(&f.ndes, &f.ra_encrypt));
        const auto& m = message(d);
        CHECK(m.transaction_id == "10C2FF9497301CDC9D10F8C793F59799905E09C3");
        CHECK(m.signer.digest_algorithm == "SHA256");
        CHECK(m.envelope->content_cipher == "DES-EDE3-CBC");
        REQUIRE(m.envelope->recipients.size() == 1);
        CHECK(m.envelope->recipients[0].server_decrypts);
        REQUIRE(m.envelope->decrypted);
        const CsrInfo& csr = *m.envelope->decrypted->csr;
        CHECK(csr.subject == "O=scepctl decode vectors,CN=strongswan-decode");
        CHECK(csr.subject_alt_names == std::vector<std::string>{"DNS:strongswan-decode.example.test"});
        CHECK(csr.challenge_password_present);
        CHECK(csr.signature_valid);
    }
    SECTION("advertised AES but sent 3DES") {
        const Capabilities caps = Capabilities::parse(test::read_text("openssl/caps-scepstandard-only.txt"));
        auto o = options(&f.ndes);
        o.caps = &caps;
        auto d = decoded("strongswan-ndes-pkcsreq.der", o);
        CHECK(d.has("cipher-des3-while-aes"));
        CHECK_FALSE(d.has("digest-sha1-while-sha256"));
    }
    SECTION("RenewalReq signed by the certificate it renews, for a new key; the reply opens with the old key") {
        auto req = decoded("strongswan-ndes-renewalreq.der", options(&f.ndes, &f.ra_encrypt));
        const auto& m = message(req);
        CHECK(m.message_type_name == "RenewalReq");
        REQUIRE(m.signer.certificate);
        CHECK_FALSE(m.signer.certificate->self_signed);
        CHECK(m.signer.certificate->issuer == "CN=Test NDES Root CA,O=scepctl tests");
        CHECK_FALSE(m.envelope->decrypted->csr->challenge_password_present);
        CHECK_FALSE(req.has("challenge-missing")); // a renewal needs none
        CHECK_FALSE(req.has("renewal-self-signed"));
        CHECK_FALSE(req.has("renewal-signer-not-from-ca"));

        const PrivateKey old_key = test::private_key("decode/strongswan-ndes.key");
        const Bytes request = test::read_data("decode/strongswan-ndes-renewalreq.der");
        auto o = options(&f.ndes, &old_key);
        o.request = request;
        auto rep = decoded("strongswan-ndes-certrep-renewal-success.der", o);
        REQUIRE(message(rep).envelope->decrypted);
        const auto& issued = message(rep).envelope->decrypted->certificates;
        REQUIRE_FALSE(issued.empty());
        CHECK(issued[0].subject == "O=scepctl decode vectors,CN=strongswan-decode-2");
        CHECK(issued[0].serial_hex == "77534942600C1255E7782A400E4AD35F");
        CHECK(rep.findings.empty());
    }
    SECTION("a RenewalReq signed by a certificate of another CA") {
        const CaCertBundle scepserver = Fixture::bundle("decode/scepserver-getcacert.der");
        auto d = decoded("strongswan-ndes-renewalreq.der", options(&scepserver));
        CHECK_THAT(finding_text(d, "renewal-signer-not-from-ca"),
                   Catch::Contains("not by this server's CA 'OU=NDES test bed CA,O=EXAMPLE.TEST test bed,C=US'"));
    }
    SECTION("a RenewalReq signed by a self-signed certificate, and NDES's badRequest") {
        auto d = decoded("strongswan-ndes-renewalreq-self-signed.der", options(&f.ndes));
        CHECK_THAT(finding_text(d, "renewal-self-signed"), Catch::Contains("NDES answers FAILURE badRequest"));
        auto rep = decoded("strongswan-ndes-certrep-renewal-self-signed.der", options(&f.ndes));
        CHECK(message(rep).fail_info == 2);
    }
}

TEST_CASE("decode: certmonger's PKCSReq, BMPString challenge, decimal transactionID", "[decode]") {
    Fixture f;
    auto d = decoded("certmonger-ndes-pkcsreq.der", options(&f.ndes, &f.ra_encrypt));
    const auto& m = message(d);
    CHECK(m.transaction_id == "23053116955622286183880479518968105227034767842079734277584027161158810575135");
    CHECK(m.signer.signature == SignerSummary::Check::valid);
    REQUIRE(m.envelope->decrypted);
    const CsrInfo& csr = *m.envelope->decrypted->csr;
    CHECK(csr.subject == "O=scepctl decode vectors,CN=certmonger-decode");
    CHECK(csr.subject_alt_names == std::vector<std::string>{"DNS:certmonger-decode.example.test"});
    CHECK(csr.challenge_password_present);
    // The challenge itself is in no field and no finding (it was 8CE317021F690069).
    std::string all = csr.subject + csr.signature_algorithm;
    for (const auto& s : csr.subject_alt_names)
        all += s;
    for (const auto& finding : d.findings)
        all += finding.text;
    CHECK(all.find("8CE317021F690069") == std::string::npos);
    auto rep = decoded("certmonger-ndes-certrep-badrequest.der", options(&f.ndes));
    CHECK(message(rep).fail_info_name == "badRequest");
}

TEST_CASE("decode: scepserver's replies carry their CA and are signed by it", "[decode]") {
    const CaCertBundle scepserver = Fixture::bundle("decode/scepserver-getcacert.der");
    for (const std::string client : {"scepclient", "strongswan"}) {
        INFO(client);
        const PrivateKey key = test::private_key("decode/" + client + "-scepserver.key");
        const Bytes request = test::read_data("decode/" + client + "-scepserver-pkcsreq.der");
        auto o = options(&scepserver, &key);
        o.request = request;
        auto d = decoded(client + "-scepserver-certrep-success.der", o);
        const auto& m = message(d);
        CHECK(m.pki_status_name == "SUCCESS");
        CHECK(m.signer.certificate_source == SignerSummary::Source::message);
        CHECK(m.signer.certificate->role == CertRole::issuing_ca);
        CHECK(m.signer.signature == SignerSummary::Check::valid);
        CHECK(m.envelope->content_cipher == "DES-CBC");
        REQUIRE(m.envelope->decrypted);
        CHECK(m.envelope->decrypted->certificates.front().subject.find(client + "-scepserver") != std::string::npos);
        CHECK(ids(d) == std::vector<std::string>{"cipher-single-des"});
    }
    SECTION("the request, encrypted to the only certificate: the CA") {
        auto d = decoded("scepclient-scepserver-pkcsreq.der", options(&scepserver));
        const auto& r = message(d).envelope->recipients;
        REQUIRE(r.size() == 1);
        CHECK(r[0].bundle_role == CertRole::issuing_ca);
        CHECK(r[0].server_decrypts);
        CHECK_FALSE(d.has("encrypted-to-ca-not-ra"));
    }
}

TEST_CASE("decode findings: where a request is encrypted to", "[decode]") {
    Fixture f;
    SECTION("the CA while the server has an RA encryption certificate") {
        auto d = decoded("strongswan-ndes-pkcsreq-to-ca.der", options(&f.ndes));
        CHECK(message(d).envelope->recipients[0].bundle_role == CertRole::issuing_ca);
        CHECK(finding_text(d, "encrypted-to-ca-not-ra") ==
              "encrypted to the CA certificate 'CN=Test NDES Root CA,O=scepctl tests', but this server has an RA "
              "encryption certificate 'CN=TESTNDES-MSCEP-RA,O=scepctl tests': NDES answers HTTP 500");
        // and the fixture, like NDES, could not open it
        auto rep = decoded("strongswan-ndes-certrep-badmessagecheck.der", options(&f.ndes));
        CHECK_THAT(finding_text(rep, "ca-failure"), Catch::StartsWith("FAILURE badMessageCheck"));
    }
    SECTION("the RA signing certificate") {
        auto d = decoded("strongswan-ndes-pkcsreq-to-ra-signing.der", options(&f.ndes));
        CHECK_THAT(finding_text(d, "encrypted-to-ra-signing"),
                   Catch::StartsWith("encrypted to the RA signing certificate 'CN=TESTNDES-MSCEP-RA"));
    }
    SECTION("a root CA above the issuing CA") {
        const CaCertBundle intermediate = Fixture::bundle("openssl/getcacert-intermediate.p7b");
        auto d = decoded("strongswan-ndes-pkcsreq-to-ca.der", options(&intermediate));
        CHECK_THAT(finding_text(d, "encrypted-to-wrong-certificate"),
                   Catch::StartsWith("encrypted to the root CA certificate 'CN=Test NDES Root CA"));
    }
    SECTION("a certificate of another server") {
        auto d = decoded("scepclient-scepserver-pkcsreq.der", options(&f.ndes));
        CHECK_THAT(finding_text(d, "encrypted-to-unknown-certificate"),
                   Catch::Contains("which is not in the server's CA/RA bundle"));
    }
    SECTION("a key that opens none of the recipients") {
        auto d = decoded("strongswan-ndes-pkcsreq-to-ca.der", options(&f.ndes, &f.ra_encrypt));
        CHECK_FALSE(message(d).envelope->decrypted);
        CHECK(message(d).envelope->decrypt_error == "the key is not the key of any recipient");
        CHECK_THAT(finding_text(d, "key-does-not-decrypt"),
                   Catch::EndsWith("it is encrypted to 'CN=Test NDES Root CA,O=scepctl tests'"));
    }
}

TEST_CASE("decode findings: a reply that does not answer the request", "[decode]") {
    Fixture f;
    const Bytes request = test::read_data("decode/scepclient-ndes-pkcsreq.der");
    auto o = options(&f.ndes);
    o.request = request;
    auto d = decoded("strongswan-ndes-certrep-success.der", o);
    CHECK(finding_text(d, "recipient-nonce-mismatch") ==
          "recipientNonce does not match the request's senderNonce: a replayed or misrouted reply, or a reply to "
          "an earlier send of the request");
    CHECK_THAT(finding_text(d, "transaction-id-mismatch"), Catch::Contains("'VHC6QTUcNtS/L7RoSz9CPl7v1vk='"));
    CHECK(d.has("reply-encrypted-to-other"));

    SECTION("a request that is not a pkiMessage is a usage error") {
        const Bytes ca = test::read_data("openssl/ca.der");
        o.request = ca;
        auto result = decode(test::read_data("decode/strongswan-ndes-certrep-success.der"), o);
        REQUIRE_FALSE(result);
        CHECK(result.error().code == ErrorCode::usage);
    }
}

TEST_CASE("decode findings: CertRep status, signer and signature", "[decode]") {
    Fixture f;
    SECTION("FAILURE with failInfo and failInfoText") {
        auto d = decoded("scepclient-ndes-certrep-badrequest.der", options(&f.ndes));
        const auto& m = message(d);
        CHECK(m.pki_status_name == "FAILURE");
        CHECK(m.fail_info == 2);
        CHECK(m.fail_info_name == "badRequest");
        CHECK_THAT(*m.fail_info_text, Catch::StartsWith("The password in the certificate request cannot be verified"));
        CHECK_THAT(finding_text(d, "ca-failure"), Catch::Contains("a wrong, used or missing challenge password"));
        auto unknown = decoded(test::read_data("certrep/failure-unknown-failinfo.der"), options(&f.ndes));
        CHECK(message(unknown).fail_info_name == "unknown(9)");
        CHECK_THAT(finding_text(unknown, "ca-failure"), Catch::Contains("not one RFC 8894 §3.2.1.4 defines"));
    }
    SECTION("PENDING") {
        auto d = decoded(test::read_data("certrep/pending.der"), options(&f.ndes));
        CHECK(finding_text(d, "pending") ==
              "PENDING: the request waits for approval; poll with CertPoll under the same transactionID");
    }
    SECTION("no bundle: the signature cannot be checked, and the decoder says so") {
        auto d = decoded("scepclient-ndes-certrep-success.der", options());
        CHECK(message(d).signer.signature == SignerSummary::Check::not_checked);
        CHECK(message(d).signer.sid_serial_hex == "1002");
        CHECK(d.has("signer-certificate-missing"));
    }
    SECTION("a signature that does not verify") {
        for (const char* vector : {"certrep/tampered-signature.der", "certrep/wrong-signer-key.der"}) {
            auto d = decoded(test::read_data(vector), options(&f.ndes));
            CHECK(message(d).signer.signature == SignerSummary::Check::invalid);
            CHECK_THAT(finding_text(d, "signature-invalid"), Catch::Contains("scepctl refuses the reply"));
        }
    }
    SECTION("signed by a certificate that is not in the bundle") {
        auto d = decoded(test::read_data("certrep/foreign-signer.der"), options(&f.ndes));
        CHECK_THAT(finding_text(d, "reply-signer-not-in-bundle"), Catch::Contains("not in the CA/RA bundle"));
    }
    SECTION("signed by the CA while the bundle names an RA signing certificate") {
        auto d = decoded("crafted-certrep-signed-by-ca.der", options(&f.ndes));
        CHECK(message(d).signer.signature == SignerSummary::Check::valid);
        CHECK_THAT(finding_text(d, "reply-signer-not-expected"),
                   Catch::StartsWith("the reply is signed by the CA certificate 'CN=Test NDES Root CA"));
    }
    SECTION("missing or unknown pkiStatus, missing recipientNonce, SUCCESS without envelope") {
        auto none = decoded("crafted-certrep-no-status.der", options(&f.ndes));
        CHECK(none.has("missing-pki-status"));
        CHECK(none.has("missing-recipient-nonce"));
        auto seven = decoded("crafted-certrep-status-7.der", options(&f.ndes));
        CHECK(message(seven).pki_status_name == "unknown(7)");
        CHECK(seven.has("unknown-pki-status"));
        auto empty = decoded("crafted-certrep-success-no-envelope.der", options(&f.ndes));
        CHECK(message(empty).has_content);
        CHECK_FALSE(message(empty).envelope);
        CHECK(empty.has("success-without-envelope"));
    }
}

TEST_CASE("decode findings: request attributes, algorithms and the inner PKCS#10", "[decode]") {
    Fixture f;
    SECTION("a PKCSReq without challengePassword, RSA-1024") {
        auto d = decoded("scepclient-ndes-pkcsreq-no-challenge.der", options(&f.ndes, &f.ra_encrypt));
        CHECK_FALSE(message(d).envelope->decrypted->csr->challenge_password_present);
        CHECK_THAT(finding_text(d, "challenge-missing"), Catch::Contains("NDES (which requires one by default)"));
        CHECK(finding_text(d, "csr-key-small") == "the requested key is RSA 1024 bits: CA templates usually require "
                                                  "at least 2048");
    }
    SECTION("a PKCS#10 whose signature does not verify, AES and SHA-256 the server does not offer") {
        const Capabilities caps = Capabilities::parse(test::read_text("openssl/caps-des3-sha1-only.txt"));
        auto o = options(&f.ndes, &f.ra_encrypt);
        o.caps = &caps;
        auto d = decoded("crafted-pkcsreq-aes-bad-csr.der", o);
        CHECK(message(d).envelope->content_cipher == "AES-128-CBC");
        CHECK_FALSE(message(d).envelope->decrypted->csr->signature_valid);
        CHECK(d.has("csr-signature-invalid"));
        CHECK(finding_text(d, "digest-not-advertised") ==
              "signed with SHA-256, which the server does not advertise in GetCACaps: expect FAILURE badAlg");
        CHECK_THAT(finding_text(d, "cipher-not-advertised"), Catch::StartsWith("encrypted with AES-128-CBC"));
    }
    SECTION("a request without its signer certificate") {
        auto d = decoded("crafted-pkcsreq-no-signer-cert.der", options(&f.ndes));
        CHECK(message(d).signer.certificate_source == SignerSummary::Source::none);
        CHECK_THAT(finding_text(d, "signer-certificate-missing"), Catch::Contains("the server cannot verify"));
    }
    SECTION("an unknown messageType and a short nonce") {
        auto d = decoded("crafted-request-type-42.der", options());
        CHECK(message(d).message_type == 42);
        CHECK(message(d).message_type_name == "unknown(42)");
        CHECK(d.has("unknown-message-type"));
        CHECK(finding_text(d, "nonce-length") == "senderNonce has 8 bytes, not 16 (RFC 8894 §3.2.1.5)");
    }
    SECTION("a SignedData without SCEP attributes (a GetNextCACert reply)") {
        auto d = decoded(test::read_data("rollover/next-signed-by-ca.p7"), options());
        CHECK(message(d).message_type_name == "absent");
        CHECK(d.has("missing-message-type"));
        CHECK(d.has("missing-transaction-id"));
    }
}

TEST_CASE("decode findings: validity at the time of decoding", "[decode]") {
    Fixture f;
    auto later = options(&f.ndes);
    later.now_unix = k_now + 2 * 3600; // scepclient's signer lived an hour
    CHECK_THAT(finding_text(decoded("scepclient-ndes-pkcsreq.der", later), "signer-expired"),
               Catch::Contains("expired on 2026-12-04T23:09:53Z"));
    auto earlier = options(&f.ndes);
    earlier.now_unix = k_now - 3600;
    CHECK(decoded("scepclient-ndes-pkcsreq.der", earlier).has("signer-not-yet-valid"));

    const PrivateKey key = test::private_key("decode/scepclient-ndes.key");
    auto years_later = options(nullptr, &key);
    years_later.now_unix = k_now + 3 * 365 * 86400L;
    CHECK(decoded("scepclient-ndes-certrep-success.der", years_later).has("issued-expired"));
    auto before = options(nullptr, &key);
    before.now_unix = k_now - 86400;
    CHECK(decoded("scepclient-ndes-certrep-success.der", before).has("issued-not-yet-valid"));
}

TEST_CASE("decode: GetCACert replies and certificate lists with their roles", "[decode]") {
    SECTION("NDES's bundle") {
        auto d = decoded(test::read_data("openssl/getcacert-ndes.p7b"), options());
        REQUIRE(d.kind == Decoded::Kind::certificates);
        const auto& list = *d.certificates;
        CHECK(list.roles_known);
        REQUIRE(list.certificates.size() == 3);
        CHECK(list.certificates[0].role == CertRole::ra_signing);
        CHECK(list.certificates[1].role == CertRole::issuing_ca);
        CHECK(list.certificates[2].role == CertRole::ra_encryption);
        CHECK(list.certificates[2].key_usage == std::vector<std::string>{"keyEncipherment"});
        CHECK(list.certificates[1].sha256_fingerprint.size() == 32 * 3 - 1);
        CHECK(d.findings.empty());
    }
    SECTION("scepserver's bare CA") {
        auto d = decoded("scepserver-getcacert.der", options());
        REQUIRE(d.certificates->certificates.size() == 1);
        CHECK(d.certificates->certificates[0].role == CertRole::issuing_ca);
        CHECK(d.has("no-ra-certificate"));
    }
    SECTION("a PEM list, classified like the bundle it stands for") {
        const std::string pem = test::read_text("openssl/ca.pem") + test::read_text("openssl/ra-sign.pem");
        auto d = decoded(Bytes(pem.begin(), pem.end()), options());
        CHECK(d.input.encoding == InputEncoding::pem);
        REQUIRE(d.certificates->certificates.size() == 2);
        CHECK(d.certificates->certificates[1].role == CertRole::ra_signing);
        CHECK_THAT(finding_text(d, "ra-encryption-missing"), Catch::Contains("NDES cannot decrypt"));
    }
    SECTION("certificates that are no CA/RA bundle are listed without roles") {
        auto d = decoded(test::read_data("openssl/getcacert-two-cas.p7b"), options());
        CHECK_FALSE(d.certificates->roles_known);
        CHECK(d.certificates->certificates.size() == 2);
        CHECK_THAT(finding_text(d, "not-a-ca-bundle"), Catch::Contains("unrelated CA certificates"));
    }
    SECTION("RA certificates that expire are named") {
        auto o = options();
        o.now_unix = k_now + 20L * 365 * 86400;
        auto d = decoded(test::read_data("openssl/getcacert-ndes.p7b"), o);
        CHECK_THAT(finding_text(d, "bundle-certificate-validity"), Catch::Contains("expired"));
    }
    SECTION("a bare PKCS#10 (scepclient's csr.pem)") {
        auto d = decoded("scepclient-ndes-csr.pem", options());
        CHECK(d.input.pem_label == "CERTIFICATE REQUEST");
        CHECK(d.kind == Decoded::Kind::certification_request);
        REQUIRE(d.csr);
        CHECK(d.csr->subject == "CN=scepclient-decode,OU=MDM,O=scepctl decode vectors,C=US");
        CHECK(d.csr->challenge_password_present);
        CHECK(d.findings.empty());
    }
}

TEST_CASE("read_ca_bundle reads --ca-bundle files in every form", "[decode]") {
    const auto roles = [](const CaCertBundle& bundle) {
        std::vector<CertRole> out;
        for (const auto& e : bundle.entries)
            out.push_back(e.role);
        return out;
    };
    auto der = read_ca_bundle(test::read_data("openssl/getcacert-ndes.p7b"), k_now);
    REQUIRE(der);
    CHECK(roles(*der) == std::vector<CertRole>{CertRole::ra_signing, CertRole::issuing_ca, CertRole::ra_encryption});
    const std::string pem = test::read_text("openssl/ra-encrypt.pem") + test::read_text("openssl/ca.pem");
    auto list = read_ca_bundle(Bytes(pem.begin(), pem.end()), k_now);
    REQUIRE(list);
    CHECK(list->recipient().subject() == "CN=TESTNDES-MSCEP-RA,O=scepctl tests");
    auto single = read_ca_bundle(test::read_data("decode/scepserver-getcacert.der"), k_now);
    REQUIRE(single);
    CHECK(roles(*single) == std::vector<CertRole>{CertRole::issuing_ca});
    auto one_pem = read_ca_bundle(test::read_data("openssl/ca.pem"), k_now);
    REQUIRE(one_pem);
    CHECK(one_pem->issuing_ca().subject() == "CN=Test NDES Root CA,O=scepctl tests");
    auto request = read_ca_bundle(test::read_data("decode/scepclient-ndes-pkcsreq.der"), k_now);
    REQUIRE_FALSE(request);
    CHECK_THAT(request.error().message, Catch::StartsWith("CA/RA bundle: "));
}

TEST_CASE("decode: names for numbers that are not in the RFC", "[decode]") {
    CHECK(message_type_name(19) == "PKCSReq");
    CHECK(message_type_name(42) == "unknown(42)");
    CHECK(pki_status_name(3) == "PENDING");
    CHECK(pki_status_name(-1) == "unknown(-1)");
}
