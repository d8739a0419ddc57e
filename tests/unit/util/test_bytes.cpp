#include <catch2/catch.hpp>

#include "util/bytes.hpp"

using namespace util;

TEST_CASE("hex and base64 encodings", "[bytes]") {
    const Bytes data{0x00, 0x0f, 0xab, 0xff};
    CHECK(to_hex(data) == "000fabff");
    CHECK(to_hex_grouped(data, ':') == "00:0F:AB:FF");
    // RFC 4648 §10 test vectors
    CHECK(base64_encode(as_bytes("")) == "");
    CHECK(base64_encode(as_bytes("f")) == "Zg==");
    CHECK(base64_encode(as_bytes("foob")) == "Zm9vYg==");
    CHECK(base64_encode(as_bytes("foobar")) == "Zm9vYmFy");
    const auto text = [](std::string_view b64) {
        auto decoded = base64_decode(b64);
        REQUIRE(decoded);
        return std::string(as_chars(*decoded));
    };
    CHECK(text("Zg==") == "f");
    CHECK(text("Zm8=") == "fo");
    CHECK(text("Zm9vYmFy") == "foobar");
    CHECK(text("Zm9vYg==\r\n") == "foob");
    CHECK_FALSE(base64_decode(""));
    CHECK_FALSE(base64_decode("Zm9"));
    CHECK_FALSE(base64_decode("Zm9v!mFy"));
}

TEST_CASE("percent encoding keeps only unreserved characters (RFC 8894 §4.1 GET messages)", "[bytes]") {
    // Standard base64 uses + / =, which must be escaped in a query string.
    CHECK(percent_encode("ab+/=cd") == "ab%2B%2F%3Dcd");
    CHECK(percent_encode("A-Z_a.z~09") == "A-Z_a.z~09");
    CHECK(percent_encode("a b&c") == "a%20b%26c");
}

TEST_CASE("ASCII helpers", "[bytes]") {
    CHECK(to_lower_ascii("SHA-256 AeS") == "sha-256 aes");
    CHECK(to_upper_ascii("corp.Example.com") == "CORP.EXAMPLE.COM");
    CHECK(trim_ascii("\r\n  x y \t\n") == "x y");
    CHECK(trim_ascii("   ").empty());
}
