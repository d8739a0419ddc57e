#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ndes/challenge_page.hpp"
#include "util/bytes.hpp"
#include "test_support.hpp"

using ndes::decode_page;
using ndes::parse_challenge_page;
using util::ErrorCode;

namespace {

// The encodings make-pages.sh writes for every page in tests/data/ndes/source/.
constexpr std::array<const char*, 5> k_variants{"utf16le-bom", "utf16le", "utf16be-bom", "utf8-bom", "utf8"};
constexpr std::array<const char*, 8> k_pages{"password-16",     "password-32", "password-single", "password-malformed",
                                             "thumbprint-only", "cache-full",  "no-permission",   "iis-401"};

const std::string k_thumbprint = "A656FA66 AB12B433 A2DA5CF7 CC153D9A";
const std::string k_malformed_message = "challenge page: the password field is not 8-32 hex characters";
const std::string k_cache_full_message =
    "NDES: the password cache is full: wait PasswordValidity minutes (default 60) for unused passwords to expire, or "
    "raise PasswordMax in HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP, then restart IIS (iisreset)";
const std::string k_no_permission_message =
    "NDES: the account may not enroll: give it Read and Enroll permission on the certificate templates named in the "
    "MSCEP registry keys (SignatureTemplate, EncryptionTemplate, GeneralPurposeTemplate)";

std::string page_file(const std::string& page, const std::string& variant) {
    return "ndes/" + page + "." + variant + ".html";
}

util::Result<util::Secret> parse_file(const std::string& page, const std::string& variant) {
    return parse_challenge_page(decode_page(test::read_data(page_file(page, variant))));
}

std::string decode(std::initializer_list<std::uint8_t> bytes) {
    const util::Bytes body(bytes);
    return decode_page(body);
}

// What parse_challenge_page may ever return: a password of the documented shape, or a challenge_unavailable error.
bool is_acceptable(const util::Result<util::Secret>& result) {
    if (!result) return result.error().code == ErrorCode::challenge_unavailable;
    const std::string_view value = result->view();
    if (value.size() < 8 || value.size() > 32 || value.size() % 2 != 0) return false;
    return value.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

} // namespace

TEST_CASE("every encoding of the success pages decodes to the source text and yields the password", "[ndes]") {
    const std::vector<std::pair<std::string, std::string>> pages{{"password-16", "8CE317021F690069"},
                                                                 {"password-32", "00654F176111B253DD996EEA67BBF16D"},
                                                                 {"password-single", "1ED0DD50F7459D6E"}};
    for (const auto& [page, password] : pages) {
        const std::string source = test::read_text("ndes/source/" + page + ".html");
        for (const char* variant : k_variants) {
            INFO(page_file(page, variant));
            const std::string text = decode_page(test::read_data(page_file(page, variant)));
            CHECK(text == source);
            CHECK(text.find(k_thumbprint) != std::string::npos);
            const auto result = parse_challenge_page(text);
            REQUIRE(result);
            CHECK(*result == password);
        }
    }
}

TEST_CASE("the CA thumbprint before the password is never taken for it", "[ndes]") {
    for (const char* variant : k_variants) {
        INFO(variant);
        const auto result = parse_file("thumbprint-only", variant);
        REQUIRE_FALSE(result);
        CHECK(result.error().code == ErrorCode::challenge_unavailable);
        CHECK(result.error().message == "NDES admin page not understood (title: 'Network Device Enrollment Service')");
        CHECK(result.error().message.find("A656FA66") == std::string::npos);
    }

    // Even in the password field, the spaced thumbprint is not a password.
    const auto in_field = parse_challenge_page("The enrollment challenge password is: <B> " + k_thumbprint + " </B>");
    REQUIRE_FALSE(in_field);
    CHECK(in_field.error().message == k_malformed_message);
}

TEST_CASE("the password cache is full page names the wait, PasswordMax and iisreset", "[ndes]") {
    for (const char* variant : k_variants) {
        INFO(variant);
        const auto result = parse_file("cache-full", variant);
        REQUIRE_FALSE(result);
        CHECK(result.error().code == ErrorCode::challenge_unavailable);
        CHECK(result.error().text() == k_cache_full_message);
        CHECK(result.error().fix.rfind("wait PasswordValidity", 0) == 0);
    }
}

TEST_CASE("the no-permission page names Read and Enroll on the MSCEP templates", "[ndes]") {
    for (const char* variant : k_variants) {
        INFO(variant);
        const auto result = parse_file("no-permission", variant);
        REQUIRE_FALSE(result);
        CHECK(result.error().code == ErrorCode::challenge_unavailable);
        CHECK(result.error().text() == k_no_permission_message);
        CHECK(result.error().fix.rfind("give it Read and Enroll", 0) == 0);
    }
}

TEST_CASE("an unknown page is reported with its title", "[ndes]") {
    for (const char* variant : k_variants) {
        INFO(variant);
        const auto result = parse_file("iis-401", variant);
        REQUIRE_FALSE(result);
        CHECK(result.error().code == ErrorCode::challenge_unavailable);
        CHECK(result.error().message == "NDES admin page not understood (title: '401 - Unauthorized: Access is denied "
                                        "due to invalid credentials.')");
    }
}

TEST_CASE("a malformed password field is an error that does not repeat the value", "[ndes]") {
    for (const char* variant : k_variants) {
        INFO(variant);
        const auto result = parse_file("password-malformed", variant);
        REQUIRE_FALSE(result);
        CHECK(result.error().code == ErrorCode::challenge_unavailable);
        CHECK(result.error().message == k_malformed_message);
        CHECK(result.error().message.find("8CE3") == std::string::npos);
        CHECK(result.error().details.empty());
    }
}

TEST_CASE("password field: 8-32 hex characters of even length, case kept", "[ndes]") {
    const auto parse_value = [](const std::string& value) {
        return parse_challenge_page("<P> The enrollment challenge password is: <B> " + value + " </B> <P>");
    };
    CHECK(*parse_value("0123abCD") == "0123abCD");
    CHECK(*parse_value("0123456789abcdef0123456789ABCDEF") == "0123456789abcdef0123456789ABCDEF");
    CHECK_FALSE(parse_value("0123abC"));                            // 7
    CHECK_FALSE(parse_value("0123abCD1"));                          // odd
    CHECK_FALSE(parse_value("0123456789abcdef0123456789ABCDEF01")); // 34
    CHECK_FALSE(parse_value("0123abCG"));
    CHECK_FALSE(parse_value("0123 abCD"));
    CHECK_FALSE(parse_value(""));
    CHECK(parse_value("S3cretValue!").error().message == k_malformed_message);
    CHECK(parse_value("S3cretValue!").error().message.find("S3cret") == std::string::npos);

    // Anchor without a complete <B>...</B>: still a password page, still malformed.
    CHECK(parse_challenge_page("The enrollment challenge password is: 8CE317021F690069").error().message ==
          k_malformed_message);
    CHECK(parse_challenge_page("The enrollment challenge password is: <B> 8CE317021F690069").error().message ==
          k_malformed_message);
}

TEST_CASE("anchor and tags match across case changes and line wraps", "[ndes]") {
    const auto result = parse_challenge_page("<p>The Enrollment\r\n   Challenge\tPassword\n  IS:\r\n<b>\r\n"
                                             "  8ce317021f690069\r\n</b>\r\n<p>This password can be used only once");
    REQUIRE(result);
    CHECK(*result == "8ce317021f690069");

    const auto wrapped_error = parse_challenge_page("<p>The password cache\r\n  is full.</p>");
    REQUIRE_FALSE(wrapped_error);
    CHECK(wrapped_error.error().text() == k_cache_full_message);
}

TEST_CASE("a full cache is reported before missing permission", "[ndes]") {
    const auto result = parse_challenge_page(
        "<P> The password cache is full. <P> You do not have sufficient permission to enroll with SCEP.");
    REQUIRE_FALSE(result);
    CHECK(result.error().text() == k_cache_full_message);
    CHECK(result.error().fix.rfind("wait PasswordValidity", 0) == 0);
}

TEST_CASE("the title in 'not understood' is trimmed, collapsed and cut to 80 characters", "[ndes]") {
    const auto message = [](const std::string& page) { return parse_challenge_page(page).error().message; };
    CHECK(message("<html><TITLE>\r\n  IIS   Windows\tServer \n</TITLE>") ==
          "NDES admin page not understood (title: 'IIS Windows Server')");
    CHECK(message("<title lang=en>Bad\x01Gateway</title>") == "NDES admin page not understood (title: 'Bad?Gateway')");
    CHECK(message("<html><body>nothing here</body></html>") == "NDES admin page not understood (title: '(no title)')");
    CHECK(message("<title>   </title>") == "NDES admin page not understood (title: '(no title)')");
    CHECK(message("<titles>x</titles>") == "NDES admin page not understood (title: '(no title)')");
    CHECK(message("<title>unterminated") == "NDES admin page not understood (title: '(no title)')");
    CHECK(message("") == "NDES admin page not understood (title: '(no title)')");

    const std::string long_title(200, 'x');
    const std::string cut = message("<title>" + long_title + "</title>");
    CHECK(cut == "NDES admin page not understood (title: '" + std::string(77, 'x') + "...')");
}

TEST_CASE("decode_page: BOMs, odd lengths, surrogates and non-ASCII", "[ndes]") {
    CHECK(decode({}).empty());
    CHECK(decode({0xFF}) == "?");
    CHECK(decode({0xFF, 0xFE}).empty());
    CHECK(decode({0xFE, 0xFF}).empty());
    CHECK(decode({0xEF, 0xBB, 0xBF}).empty());
    CHECK(decode({0xFF, 0xFE, 'A', 0, 'B'}) == "A"); // trailing half code unit dropped
    CHECK(decode({0xFE, 0xFF, 0, 'A', 0}) == "A");
    CHECK(decode({0xFF, 0xFE, 0xE9, 0, 'A', 0}) == "?A");                // U+00E9
    CHECK(decode({0xFF, 0xFE, 0x3D, 0xD8, 0x00, 0xDE, 'A', 0}) == "?A"); // U+1F600 as a pair: one '?'
    CHECK(decode({0xFE, 0xFF, 0xD8, 0x3D, 0xDE, 0x00, 0, 'A'}) == "?A");
    CHECK(decode({0xFF, 0xFE, 0x3D, 0xD8}) == "?");            // high surrogate at the end
    CHECK(decode({0xFF, 0xFE, 0x3D, 0xD8, 'A', 0}) == "?A");   // high surrogate without its low half
    CHECK(decode({0xFF, 0xFE, 0x00, 0xDE, 'A', 0}) == "?A");   // lone low surrogate
    CHECK(decode({0xFF, 0xFE, 'A', 0, 0, 0, 'B', 0}) == "AB"); // U+0000 dropped
    CHECK(decode({0xEF, 0xBB, 0xBF, 'c', 'a', 'f', 0xC3, 0xA9}) == "caf?");
    CHECK(decode({'a', 0xF0, 0x9F, 0x98, 0x80, 'b'}) == "a?b"); // one 4-byte sequence, one '?'
    CHECK(decode({'c', 'a', 'f', 0xE9, ' ', 'a', 'u', ' ', 'l', 'a', 'i', 't'}) == "caf? au lait"); // Latin-1
    CHECK(decode({'a', 'b', 'c', 0xE2, 0x82}) == "abc??");       // cut UTF-8 sequence
    CHECK(decode({0xC0, 0xAF, 'a', 'b', 'c', 'd'}) == "??abcd"); // overlong lead byte is not UTF-8
}

TEST_CASE("decode_page: without a BOM, NUL bytes pick UTF-16 and its byte order", "[ndes]") {
    CHECK(decode({'<', 0, 'B', 0, '>', 0}) == "<B>");
    CHECK(decode({0, '<', 0, 'B', 0, '>'}) == "<B>");

    const std::string text = "Hello, this is text with one NUL";
    util::Bytes with_nul(text.begin(), text.end());
    with_nul.insert(with_nul.begin() + 5, 0);
    CHECK(decode_page(with_nul) == text); // under 30%: 8-bit text, the NUL dropped

    // 10 odd-offset bytes: 3 NULs (30%) mean UTF-16LE, 2 do not.
    util::Bytes sample;
    for (int i = 0; i < 10; ++i) {
        sample.push_back('a');
        sample.push_back(i < 3 ? 0 : 'b');
    }
    CHECK(decode_page(sample) == "aaa???????");
    sample[5] = 'b';
    CHECK(decode_page(sample) == "aa" + std::string("abababababababab")); // NULs dropped
}

TEST_CASE("truncated pages never crash and never yield a partial password", "[ndes]") {
    const std::vector<std::pair<std::string, std::string>> expected{{"password-16", "8CE317021F690069"},
                                                                    {"password-32", "00654F176111B253DD996EEA67BBF16D"},
                                                                    {"password-single", "1ED0DD50F7459D6E"}};
    for (const char* page : k_pages) {
        std::string password;
        for (const auto& [name, value] : expected) {
            if (name == page) password = value;
        }
        for (const char* variant : k_variants) {
            const util::Bytes body = test::read_data(page_file(page, variant));
            const util::ByteView view(body);
            std::size_t bad = 0;
            std::size_t first_bad = 0;
            for (std::size_t length = 0; length <= body.size(); ++length) {
                // Prefixes cut the end off; suffixes lose the BOM and shift the UTF-16 byte pairs.
                for (const auto part : {view.first(length), view.last(length)}) {
                    const auto result = parse_challenge_page(decode_page(part));
                    const bool ok = result ? !password.empty() && *result == password : is_acceptable(result);
                    if (!ok && bad++ == 0) first_bad = length;
                }
            }
            INFO(page_file(page, variant) << ": first bad length " << first_bad);
            CHECK(bad == 0);
        }
    }
}

TEST_CASE("random bytes and random password fields never crash", "[ndes]") {
    std::mt19937 rng(20261123);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 300);
    std::size_t bad = 0;
    for (int round = 0; round < 2000; ++round) {
        util::Bytes body(length(rng));
        for (std::size_t i = 0; i < body.size(); ++i) {
            // Every other round looks like UTF-16, so both decoders see garbage.
            body[i] = (round % 2 == 1 && i % 2 == 1) ? 0 : static_cast<std::uint8_t>(byte(rng));
        }
        if (!is_acceptable(parse_challenge_page(decode_page(body)))) ++bad;

        std::string field(body.begin(), body.end());
        if (!is_acceptable(parse_challenge_page("The enrollment challenge password is: <B>" + field + "</B>"))) ++bad;
    }
    CHECK(bad == 0);
}
