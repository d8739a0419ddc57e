// What we write is judged by a third party: the committed openssl-made files (byte for byte) and
// the openssl CLI reading the key, the PKCS#7 chain and the PKCS#12 bundle back.
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>
#include <openssl/evp.h>

#include "store/formats.hpp"
#include "test_support.hpp"

using namespace scep;
using store::Format;
using test::shell;
using test::TempDir;

namespace {

Certificate cert(const std::string& file) {
    return test::certificate("openssl/" + file);
}
PrivateKey key(const std::string& file) {
    return test::private_key("openssl/" + file);
}

Bytes bytes(const std::string& text) {
    return Bytes(text.begin(), text.end());
}

// The public key, as PEM, of the private key openssl finds in `command`'s output.
std::string openssl_pubkey(const std::string& command) {
    int status = 0;
    const std::string pem = shell(command + " 2>/dev/null | openssl pkey -pubout", status);
    INFO(command << "\n" << pem);
    REQUIRE(status == 0);
    REQUIRE(pem.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
    return pem;
}

// PrivateKey::load of the file at `path`, with `pass` as its passphrase.
util::Result<PrivateKey> load_key_file(const std::filesystem::path& path, std::optional<std::string> pass) {
    std::ifstream in(path, std::ios::binary);
    const Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return PrivateKey::load(data, pass ? std::optional<util::Secret>(util::Secret(*pass)) : std::nullopt);
}

} // namespace

TEST_CASE("format names", "[store][formats]") {
    CHECK(store::parse_format("pem") == Format::pem);
    CHECK(store::parse_format("der") == Format::der);
    CHECK(store::parse_format("p12") == Format::p12);
    CHECK_FALSE(store::parse_format("PEM"));
    CHECK_FALSE(store::parse_format("pfx"));
    CHECK(store::to_string(Format::p12) == "p12");
}

TEST_CASE("certificates and chains in PEM and DER are what openssl writes", "[store][formats]") {
    const Certificate ca = cert("ca.pem");
    const Certificate ra_sign = cert("ra-sign.pem");
    const Certificate ra_encrypt = cert("ra-encrypt.pem");

    auto der = store::encode_certificate(ca, Format::der);
    REQUIRE(der);
    CHECK(*der == test::read_data("openssl/ca.der"));
    auto pem = store::encode_certificate(ca, Format::pem);
    REQUIRE(pem);
    CHECK(*pem == test::read_data("openssl/ca.pem"));

    auto pem_chain = store::encode_chain({ra_sign, ca}, Format::pem);
    REQUIRE(pem_chain);
    CHECK(*pem_chain == bytes(test::read_text("openssl/ra-sign.pem") + test::read_text("openssl/ca.pem")));

    // getcacert-ndes.p7b is `openssl crl2pkcs7 -nocrl -certfile ra-sign.pem -certfile ca.pem
    // -certfile ra-encrypt.pem -outform DER`: the same bundle, byte for byte, order kept.
    auto p7b = store::encode_chain({ra_sign, ca, ra_encrypt}, Format::der);
    REQUIRE(p7b);
    CHECK(*p7b == test::read_data("openssl/getcacert-ndes.p7b"));
    auto one = store::encode_chain({ca}, Format::der);
    REQUIRE(one);
    CHECK(*one == test::read_data("openssl/getcacert-ca-only.p7b"));
}

TEST_CASE("keys in PKCS#8 PEM and DER, plain and encrypted, open with openssl", "[store][formats]") {
    TempDir dir;
    const PrivateKey k = key("ra-sign.key");
    const std::string expected = openssl_pubkey("openssl pkey -in " + test::data_path("openssl/ra-sign.key"));
    REQUIRE(expected.find("BEGIN PUBLIC KEY") != std::string::npos);
    const auto pass_file = (dir.path / "pass").string();
    test::write_file(pass_file, bytes("key pass 1"));
    int status = 0;

    auto der = store::encode_key(k, Format::der, std::nullopt);
    REQUIRE(der);
    test::write_file(dir.path / "key.der", *der);
    CHECK(openssl_pubkey("openssl pkey -inform DER -in " + (dir.path / "key.der").string()) == expected);
    const std::string asn1 = shell("openssl asn1parse -inform DER -in " + (dir.path / "key.der").string(), status);
    CHECK(asn1.find("rsaEncryption") != std::string::npos); // PKCS#8 PrivateKeyInfo, not a bare RSAPrivateKey

    auto encrypted = store::encode_key(k, Format::der, util::Secret("key pass 1"));
    REQUIRE(encrypted);
    test::write_file(dir.path / "key-enc.der", *encrypted);
    CHECK(openssl_pubkey("openssl pkey -inform DER -in " + (dir.path / "key-enc.der").string() +
                         " -passin file:" + pass_file) == expected);
    shell("openssl pkey -inform DER -in " + (dir.path / "key-enc.der").string() + " -passin pass:wrong -noout", status);
    CHECK(status != 0);
    const std::string printed =
        shell("openssl asn1parse -inform DER -in " + (dir.path / "key-enc.der").string(), status);
    CHECK(printed.find("PBES2") != std::string::npos);
    CHECK(printed.find("aes-256-cbc") != std::string::npos);
    // What we write for a pending request must be readable by --key --resume.
    auto reloaded = PrivateKey::load(*encrypted, util::Secret("key pass 1"));
    REQUIRE(reloaded);
    CHECK(reloaded->public_key_der() == k.public_key_der());

    auto pem = store::encode_key(k, Format::pem, std::nullopt);
    REQUIRE(pem);
    const std::string pem_text(pem->begin(), pem->end());
    CHECK(pem_text.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
}

TEST_CASE("the friendly name is the subject's CN", "[store][formats]") {
    CHECK(store::friendly_name(cert("ra-sign.pem")) == "TESTNDES-MSCEP-RA");
    CHECK(store::friendly_name(cert("ca.pem")) == "Test NDES Root CA");
}

TEST_CASE("PKCS#12: key, certificate and chain with modern algorithms, opened by openssl", "[store][formats][p12]") {
    TempDir dir;
    const PrivateKey k = key("ra-sign.key");
    const Certificate leaf = cert("ra-sign.pem");
    const Certificate ca = cert("ca.pem");
    const std::string passphrase = "p12 pass phrase";
    auto p12 = store::encode_pkcs12(k, leaf, {ca}, util::Secret(passphrase));
    REQUIRE(p12);
    const std::string file = (dir.path / "bundle.p12").string();
    const std::string pass_file = (dir.path / "pass").string();
    test::write_file(file, *p12);
    test::write_file(pass_file, bytes(passphrase + "\n"));

    int status = 0;
    const std::string info = shell("openssl pkcs12 -info -nokeys -in " + file + " -passin file:" + pass_file, status);
    INFO(info);
    CHECK(status == 0);
    CHECK(info.find("MAC: sha256, Iteration 2048") != std::string::npos);
    // Both the certificates and the shrouded key bag: PBES2, PBKDF2 with HMAC-SHA-256, AES-256-CBC.
    CHECK(info.find("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256") !=
          std::string::npos);
    CHECK(info.find("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256") !=
          std::string::npos);
    CHECK(info.find("friendlyName: TESTNDES-MSCEP-RA") != std::string::npos);
    CHECK(info.find("subject=O = scepctl tests, CN = TESTNDES-MSCEP-RA") != std::string::npos);
    CHECK(info.find("subject=O = scepctl tests, CN = Test NDES Root CA") != std::string::npos);
    CHECK(info.find("localKeyID") != std::string::npos); // key and certificate are paired

    const std::string key_pub =
        openssl_pubkey("openssl pkcs12 -in " + file + " -passin file:" + pass_file + " -nocerts -nodes");
    CHECK(key_pub == openssl_pubkey("openssl pkey -in " + test::data_path("openssl/ra-sign.key")));
    const std::string leaf_pem = shell("openssl pkcs12 -in " + file + " -passin file:" + pass_file +
                                           " -clcerts -nokeys | openssl x509 -outform DER | sha256sum",
                                       status);
    CHECK(leaf_pem ==
          shell("openssl x509 -in " + test::data_path("openssl/ra-sign.pem") + " -outform DER | sha256sum", status));

    shell("openssl pkcs12 -info -nokeys -in " + file + " -passin pass:wrong", status);
    CHECK(status != 0);
}

TEST_CASE("PKCS#12 refuses an empty passphrase and a certificate for another key", "[store][formats][p12]") {
    auto empty = store::encode_pkcs12(key("ra-sign.key"), cert("ra-sign.pem"), {}, util::Secret(""));
    REQUIRE_FALSE(empty);
    CHECK(empty.error().code == ErrorCode::usage);
    CHECK(empty.error().message.find("empty") != std::string::npos);

    auto mismatch = store::encode_pkcs12(key("ra-encrypt.key"), cert("ra-sign.pem"), {}, util::Secret("x"));
    REQUIRE_FALSE(mismatch);
    CHECK(mismatch.error().message.find("not for the key") != std::string::npos);
}

TEST_CASE("PrivateKey::load reads RSA keys in every form openssl writes and names a non-RSA key",
          "[store][formats][key]") {
    TempDir dir;
    int status = 0;
    const std::string d = dir.path.string();
    const std::string made =
        shell("cd '" + d +
                  "' && openssl genrsa -traditional -out rsa1.pem 2048 2>&1 &&"
                  " openssl pkey -in rsa1.pem -out pk8.pem && openssl pkey -in rsa1.pem -outform DER"
                  " -out pk8.der && openssl pkey -in rsa1.pem -aes256 -passout pass:pw -out enc.pem &&"
                  " openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem &&"
                  " openssl genpkey -algorithm ED25519 -out ed.pem",
              status);
    INFO(made);
    REQUIRE(status == 0);
    const auto load = [&](const std::string& name, std::optional<std::string> pass = std::nullopt) {
        return load_key_file(dir.path / name, std::move(pass));
    };
    const auto reference = load("rsa1.pem");
    REQUIRE(reference);
    for (const char* name : {"pk8.pem", "pk8.der"}) {
        INFO(name);
        const auto k = load(name);
        REQUIRE(k);
        CHECK(k->public_key_der() == reference->public_key_der());
    }
    const auto encrypted = load("enc.pem", "pw");
    REQUIRE(encrypted);
    CHECK(encrypted->public_key_der() == reference->public_key_der());
    const auto wrong_pass = load("enc.pem", "not it");
    REQUIRE_FALSE(wrong_pass);
    CHECK(wrong_pass.error().message == "cannot read the private key (wrong passphrase, or not a key)");
    const auto no_pass = load("enc.pem");
    REQUIRE_FALSE(no_pass);
    CHECK(no_pass.error().message.find("--key-pass-file") != std::string::npos);
    // The RSA-only decoder fails on these; the general one still names what they are.
    const auto ec = load("ec.pem");
    REQUIRE_FALSE(ec);
    CHECK(ec.error().code == ErrorCode::usage);
    CHECK(ec.error().message == "the private key is EC, but SCEP needs RSA: the server encrypts its reply to this key");
    const auto ed = load("ed.pem");
    REQUIRE_FALSE(ed);
    CHECK(ed.error().message.rfind("the private key is ED25519,", 0) == 0);
}

TEST_CASE("plain RSA keys are read by d2i, not the generic decoder; encrypted ones still open",
          "[store][formats][key]") {
    TempDir dir;
    int status = 0;
    const std::string d = dir.path.string();
    const std::string made =
        shell("cd '" + d +
                  "' && openssl genrsa -traditional -out rsa1.pem 2048 2>&1 &&"
                  " openssl rsa -in rsa1.pem -traditional -outform DER -out rsa1.der 2>&1 &&"
                  " openssl pkey -in rsa1.pem -out pk8.pem && openssl pkey -in rsa1.pem -outform DER -out pk8.der &&"
                  " printf 'leading text\\n' > lead.pem && cat rsa1.pem >> lead.pem &&"
                  " openssl rsa -in rsa1.pem -traditional -aes128 -passout pass:pw -out trad-enc.pem 2>&1 &&"
                  " openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out pss.pem 2>&1",
              status);
    INFO(made);
    REQUIRE(status == 0);
    const auto load = [&](const std::string& name, std::optional<std::string> pass = std::nullopt) {
        return load_key_file(dir.path / name, std::move(pass));
    };
    const auto reference = load("pk8.pem");
    REQUIRE(reference);
    // A key from d2i_RSAPrivateKey has no provider (OSSL_DECODER's keys do): X509_REQ_set_pubkey
    // and X509_set_pubkey encode it directly instead of through OSSL_ENCODER and a second decode.
    for (const char* name : {"rsa1.pem", "rsa1.der", "pk8.pem", "pk8.der", "lead.pem"}) {
        INFO(name);
        const auto k = load(name);
        REQUIRE(k);
        CHECK(k->public_key_der() == reference->public_key_der());
        CHECK(EVP_PKEY_get0_provider(k->native()) == nullptr);
        CHECK(k->bits() == 2048);
    }
    // Encrypted traditional PEM ("Proc-Type: 4,ENCRYPTED") is left to the decoder, which asks for
    // the passphrase.
    const auto encrypted = load("trad-enc.pem", "pw");
    REQUIRE(encrypted);
    CHECK(encrypted->public_key_der() == reference->public_key_der());
    const auto no_pass = load("trad-enc.pem");
    REQUIRE_FALSE(no_pass);
    CHECK(no_pass.error().message.find("--key-pass-file") != std::string::npos);
    // RSA-PSS is not rsaEncryption: the decoder reads it and the error names it.
    const auto pss = load("pss.pem");
    REQUIRE_FALSE(pss);
    CHECK(pss.error().message.rfind("the private key is RSA-PSS,", 0) == 0);
}
