// Key files as the key stores read and write them (store/key_files.hpp); keys in hardware are
// tested in tests/hardware/.
#include <catch2/catch.hpp>

#include "store/key_files.hpp"
#include "test_support.hpp"

using namespace scep;

TEST_CASE("write_key_file writes a file key 0600 and names it as the key's location", "[store][key_files]") {
    const test::TempDir dir;
    const PrivateKey key = test::private_key("openssl/ra-sign.key");
    const auto path = dir.path / "device.key";
    auto written = store::write_key_file(path, key, store::Format::pem, std::nullopt, store::Overwrite::refuse);
    REQUIRE(written);
    CHECK(written->location().store == KeyStore::file);
    CHECK(written->location().reference == path.string());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    int status = 0;
    test::shell("openssl pkey -in " + path.string() + " -noout", status);
    CHECK(status == 0);

    auto again = store::write_key_file(path, key, store::Format::pem, std::nullopt, store::Overwrite::refuse);
    REQUIRE_FALSE(again);
}

TEST_CASE("load_key reads a key file and a PKCS#11 URI's pin-source", "[store][key_files]") {
    const test::TempDir dir;
    const auto path = dir.path / "device.key";
    test::write_file(path, test::read_data("openssl/ra-sign.key"));
    scep::KeyStoreOptions options;
    options.pkcs11_module = (dir.path / "no-module.so").string();
    auto key = store::load_key(path.string(), std::nullopt, options);
    REQUIRE(key);
    CHECK(key->store() == KeyStore::file);
    CHECK(key->location().reference == path.string());
    CHECK(key->matches(test::certificate("openssl/ra-sign.pem")));

    auto missing = store::load_key((dir.path / "none.key").string(), std::nullopt, options);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::file);

    // The pin-source file is read before the token is looked for.
    auto no_pin_file = store::load_key("pkcs11:token=device;object=k?pin-source=file:" + (dir.path / "no-pin").string(),
                                       std::nullopt, options);
    REQUIRE_FALSE(no_pin_file);
    CHECK(no_pin_file.error().message.find("pin-source") != std::string::npos);
    test::write_file(dir.path / "pin", as_bytes("1234\n"));
    auto with_pin = store::load_key("pkcs11:token=device;object=k?pin-source=file:" + (dir.path / "pin").string(),
                                    std::nullopt, options);
    REQUIRE_FALSE(with_pin); // no module: the PIN was read, then the module was looked for
    CHECK(with_pin.error().message.find("no-module.so") != std::string::npos);
}
