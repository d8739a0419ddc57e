// The key stores' parts that need no hardware: how a --key reference is read, which store a
// reference or a file's content goes to, and file keys through the same entry points. The TPM and
// PKCS#11 paths themselves are tested against swtpm and SoftHSM2 in tests/hardware/.
#include <catch2/catch.hpp>

#include "scep/key_backend.hpp"
#include "scep/key_store.hpp"
#include "scep/pkcs11_token.hpp"
#include "test_support.hpp"

using namespace scep;

namespace {

const std::string k_tss2_blob_start = "-----BEGIN TSS2 PRIVATE KEY-----\nMIICEgYGZ4EFCgEDoAMBAQE=\n"
                                      "-----END TSS2 PRIVATE KEY-----\n";

KeyStoreOptions nowhere(const std::string& dir) {
    KeyStoreOptions options;
    options.tpm2_tcti = "device:" + dir + "/no-tpm";
    options.pkcs11_module = dir + "/no-module.so";
    return options;
}

} // namespace

TEST_CASE("key store names", "[scep][key_store]") {
    for (const KeyStore store : {KeyStore::file, KeyStore::tpm2, KeyStore::pkcs11})
        CHECK(parse_key_store(to_string(store)) == store);
    CHECK_FALSE(parse_key_store("TPM2"));
    CHECK_FALSE(parse_key_store("engine"));
}

TEST_CASE("a --key reference is a handle, a PKCS#11 URI or a path", "[scep][key_store]") {
    auto handle = parse_key_reference("handle:0x81000001");
    REQUIRE(handle);
    CHECK(handle->kind == KeyReference::Kind::tpm2_handle);
    CHECK(handle->text == "handle:0x81000001");
    auto uri = parse_key_reference("pkcs11:token=device;object=scep-key;type=private");
    REQUIRE(uri);
    CHECK(uri->kind == KeyReference::Kind::pkcs11_uri);
    auto path = parse_key_reference("/etc/ssl/private/device.key");
    REQUIRE(path);
    CHECK(path->kind == KeyReference::Kind::path);
    // A relative path that merely contains the words is a path.
    CHECK(parse_key_reference("keys/handle:0x81000001")->kind == KeyReference::Kind::path);

    for (const char* bad :
         {"handle:0x80000001", "handle:81000001", "handle:0x8100001", "handle:0x8100000g", "handle:"}) {
        INFO(bad);
        auto refused = parse_key_reference(bad);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().code == ErrorCode::usage);
        CHECK(refused.error().text().find("handle:0x81000001") != std::string::npos); // the fix shows the form
    }
    auto bad_uri = parse_key_reference("pkcs11:token=device;object=%zz?pin-value=4321");
    REQUIRE_FALSE(bad_uri);
    CHECK(bad_uri.error().code == ErrorCode::usage);
    CHECK(bad_uri.error().text().find("4321") == std::string::npos); // never quotes a PIN
    CHECK_FALSE(parse_key_reference(""));
}

TEST_CASE("a TSS2 key blob is told apart from a key file by its content", "[scep][key_store]") {
    CHECK(is_tss2_key_blob(as_bytes(k_tss2_blob_start)));
    CHECK(is_tss2_key_blob(as_bytes("\n  " + k_tss2_blob_start)));
    CHECK_FALSE(is_tss2_key_blob(test::read_data("openssl/ra-sign.key")));
    CHECK_FALSE(is_tss2_key_blob(as_bytes("-----BEGIN PRIVATE KEY-----\n")));
    CHECK_FALSE(is_tss2_key_blob({}));

    // The same path goes to the TPM for a blob (here: no TPM at all) and to the file store for a key.
    const test::TempDir dir;
    const KeyStoreOptions options = nowhere(dir.path.string());
    const KeyReference ref = *parse_key_reference("device.key");
    auto blob = load_key(ref, as_bytes(k_tss2_blob_start), std::nullopt, options);
    REQUIRE_FALSE(blob);
    CHECK(blob.error().code == ErrorCode::config);
    CHECK(blob.error().message == "no TPM at " + dir.path.string() + "/no-tpm (No such file or directory)");
    auto file = load_key(ref, test::read_data("openssl/ra-sign.key"), std::nullopt, options);
    REQUIRE(file);
    CHECK(file->store() == KeyStore::file);
    CHECK(file->location().reference == "device.key");
}

TEST_CASE("a handle goes to the TPM, a URI to the PKCS#11 module", "[scep][key_store]") {
    const test::TempDir dir;
    const KeyStoreOptions options = nowhere(dir.path.string());
    auto handle = load_key(*parse_key_reference("handle:0x81000001"), {}, std::nullopt, options);
    REQUIRE_FALSE(handle);
    CHECK(handle.error().message.rfind("no TPM at ", 0) == 0);
    auto token = load_key(*parse_key_reference("pkcs11:token=device;object=k"), {}, std::nullopt, options);
    REQUIRE_FALSE(token);
    CHECK(token.error().code == ErrorCode::config);
    CHECK(token.error().message == "PKCS#11 module '" + options.pkcs11_module + "': No such file or directory");
    CHECK(token.error().fix.find("--pkcs11-module") != std::string::npos);
}

TEST_CASE("a PKCS#11 URI's PIN is never in its location, its pin-source is read by the caller", "[scep][key_store]") {
    auto uri = detail::Pkcs11Uri::parse("pkcs11:token=device;object=scep-key;type=private?pin-value=1234");
    REQUIRE(uri);
    CHECK(uri->pin_value() == std::optional<std::string>("1234"));
    CHECK(uri->without_pin() == "pkcs11:token=device;object=scep-key;type=private");
    CHECK(uri->label() == "scep-key");
    const Bytes id{0x01, 0xab};
    CHECK(uri->with_object("new-key", id) == "pkcs11:token=device;id=%01%AB;object=new-key;type=private");

    auto source = pkcs11_pin_source("pkcs11:token=device?pin-source=file:/run/pin");
    REQUIRE(source);
    CHECK(*source == std::optional<std::string>("/run/pin"));
    CHECK(*pkcs11_pin_source("pkcs11:token=device?pin-source=/run/pin") == std::optional<std::string>("/run/pin"));
    CHECK_FALSE(*pkcs11_pin_source("pkcs11:token=device"));
}

TEST_CASE("file keys through the key store entry points", "[scep][key_store]") {
    const PrivateKey loaded = test::private_key("openssl/ra-sign.key");
    CHECK(loaded.store() == KeyStore::file);
    CHECK(loaded.libctx() == nullptr);
    CHECK(loaded.propq() == nullptr);
    CHECK(loaded.tpm2_blob().empty());
    CHECK(loaded.public_key() != nullptr);
    CHECK(loaded.with_reference("/tmp/k.pem").location().reference == "/tmp/k.pem");
    CHECK(loaded.with_reference("/tmp/k.pem").public_key_der() == loaded.public_key_der());

    auto made = generate_key(KeyGenTarget{}, 2048, std::nullopt, KeyStoreOptions{});
    REQUIRE(made);
    CHECK(made->store() == KeyStore::file);
    CHECK(made->bits() == 2048);
    auto replacement = generate_replacement(loaded, 2048, std::nullopt, KeyStoreOptions{});
    REQUIRE(replacement);
    CHECK(replacement->store() == KeyStore::file);
    CHECK(replacement->public_key_der() != loaded.public_key_der());
    auto small = generate_key(KeyGenTarget{}, 1024, std::nullopt, KeyStoreOptions{});
    REQUIRE_FALSE(small);
    CHECK(small.error().code == ErrorCode::usage);
}

TEST_CASE("a renewal's token key gets the old label and the time", "[scep][key_store]") {
    const std::string label = detail::replacement_label("scep-key");
    CHECK(label.rfind("scep-key-", 0) == 0);
    CHECK(label.size() == std::string("scep-key-20260101T000000Z").size());
    CHECK(detail::replacement_label("").rfind("scepctl-", 0) == 0);
}

TEST_CASE("a token handover record holds the two pairs' URIs and survives its own text", "[scep][key_store]") {
    const scep::TokenHandover handover{"pkcs11:token=device;id=%01;object=scep-key;type=private",
                                       "pkcs11:token=device;id=%AB%CD;object=scep-key-20261205T010203Z;type=private"};
    const auto parsed = scep::TokenHandover::parse(handover.to_text());
    REQUIRE(parsed);
    CHECK(parsed->old_key == handover.old_key);
    CHECK(parsed->new_key == handover.new_key);
    // The new key is found by its id alone, before and after its label moves.
    const auto by_id = parsed->new_key_by_id();
    REQUIRE(by_id);
    CHECK(by_id->find("object=") == std::string::npos);
    CHECK(by_id->find("id=%AB%CD") != std::string::npos);
    CHECK(by_id->find("token=device") != std::string::npos);
}

TEST_CASE("a token handover record without both labels and ids is refused", "[scep][key_store]") {
    CHECK_FALSE(scep::TokenHandover::parse(""));
    CHECK_FALSE(scep::TokenHandover::parse("pkcs11:token=device;object=a;id=%01\n"));
    CHECK_FALSE(scep::TokenHandover::parse("pkcs11:token=device;object=a\npkcs11:token=device;object=b;id=%02\n"));
    CHECK_FALSE(scep::TokenHandover::parse("/etc/passwd\npkcs11:token=device;object=b;id=%02\n"));
}
