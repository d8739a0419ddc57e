#include <chrono>

#include <catch2/catch.hpp>

#include "scep/caps.hpp"
#include "test_support.hpp"

using scep::Capabilities;

TEST_CASE("GetCACaps reply of the real scepserver", "[caps]") {
    const auto caps = Capabilities::parse(test::read_text("scepserver/getcacaps.txt"));
    CHECK(caps.keywords() ==
          std::vector<std::string>{"Renewal", "SHA-1", "SHA-256", "AES", "DES3", "SCEPStandard", "POSTPKIOperation"});
    CHECK(caps.scep_standard());
    CHECK(caps.post_pki_operation());
    CHECK(caps.renewal());
    CHECK_FALSE(caps.sha512());
    CHECK_FALSE(caps.get_next_ca_cert());
    CHECK(caps.unknown().empty());
    CHECK(caps.implied().empty()); // everything SCEPStandard implies is also listed
}

TEST_CASE("NDES-style caps with CRLF line ends and no AES", "[caps]") {
    const auto caps = Capabilities::parse(test::read_text("openssl/caps-ndes-2016.txt"));
    CHECK(caps.keywords() ==
          std::vector<std::string>{"POSTPKIOperation", "Renewal", "SHA-512", "SHA-256", "SHA-1", "DES3"});
    CHECK_FALSE(caps.aes());
    CHECK(caps.des3());
    CHECK(caps.sha512());
    CHECK_FALSE(caps.scep_standard());
}

TEST_CASE("SCEPStandard alone implies AES, POSTPKIOperation and SHA-256 (RFC 8894 §3.5.2)", "[caps]") {
    const auto caps = Capabilities::parse(test::read_text("openssl/caps-scepstandard-only.txt"));
    CHECK(caps.keywords() == std::vector<std::string>{"SCEPStandard"});
    CHECK(caps.aes());
    CHECK(caps.post_pki_operation());
    CHECK(caps.sha256());
    CHECK_FALSE(caps.des3());
    CHECK_FALSE(caps.sha512());
    CHECK(caps.implied() == std::vector<std::string>{"AES", "POSTPKIOperation", "SHA-256"});
}

TEST_CASE("caps are case-insensitive, unknown keywords kept, blank lines ignored", "[caps]") {
    const auto caps = Capabilities::parse(test::read_text("openssl/caps-mixed-case.txt"));
    CHECK(caps.keywords() == std::vector<std::string>{"aes", "sha-256", "PostPKIOperation", "FutureCap"});
    CHECK(caps.aes());
    CHECK(caps.sha256());
    CHECK(caps.post_pki_operation());
    CHECK(caps.has("futurecap"));
    CHECK(caps.unknown() == std::vector<std::string>{"FutureCap"});
}

TEST_CASE("empty caps mean no capabilities", "[caps]") {
    const auto caps = Capabilities::parse(test::read_text("openssl/caps-empty.txt"));
    CHECK(caps.empty());
    CHECK_FALSE(caps.post_pki_operation());
    CHECK_FALSE(caps.aes());
    CHECK(Capabilities::parse("\r\n\r\n  ").empty());
}

TEST_CASE("DES3 and SHA-1 only", "[caps]") {
    const auto caps = Capabilities::parse(test::read_text("openssl/caps-des3-sha1-only.txt"));
    CHECK(caps.des3());
    CHECK(caps.sha1());
    CHECK_FALSE(caps.sha256());
    CHECK_FALSE(caps.post_pki_operation());
}

TEST_CASE("duplicate keywords are listed once", "[caps]") {
    const auto caps = Capabilities::parse("AES\naes\nAES\r\n");
    CHECK(caps.keywords() == std::vector<std::string>{"AES"});
}

TEST_CASE("a GetCACaps reply that is no capability list is refused, not shown as capabilities", "[caps]") {
    // The real replies pass, with the Content-Types real servers send (scepserver: none).
    for (const char* type : {"text/plain", "", "text/plain; charset=utf-8", "application/octet-stream"}) {
        const auto caps = Capabilities::parse_reply(test::read_data("openssl/caps-ndes-2016.txt"), type);
        REQUIRE(caps);
        CHECK(caps->des3());
    }
    const auto empty = Capabilities::parse_reply({}, "text/plain");
    REQUIRE(empty);
    CHECK(empty->empty());

    // A portal or error page served with status 200.
    const auto page =
        Capabilities::parse_reply(util::as_bytes("<html><body>IIS</body></html>"), "Text/HTML; charset=UTF-8");
    REQUIRE_FALSE(page);
    CHECK(page.error().code == util::ErrorCode::bad_reply);
    CHECK(page.error().message.find("Content-Type 'Text/HTML; charset=UTF-8' for GetCACaps") != std::string::npos);

    // Binary data: a GetCACert reply sent for GetCACaps.
    const auto binary = Capabilities::parse_reply(test::read_data("openssl/getcacert-ndes.p7b"), "text/plain");
    REQUIRE_FALSE(binary);
    CHECK(binary.error().code == util::ErrorCode::bad_reply);
    CHECK(binary.error().message == "GetCACaps reply is not a capability list: binary data (byte 0x82 at offset 1)");

    // A UTF-8 BOM is no reason to refuse; a NUL inside is.
    const auto bom = Capabilities::parse_reply(util::as_bytes("\xEF\xBB\xBFPOSTPKIOperation\r\nAES\r\n"), "text/plain");
    REQUIRE(bom);
    CHECK(bom->keywords() == std::vector<std::string>{"POSTPKIOperation", "AES"});
    const auto nul = Capabilities::parse_reply(util::as_bytes(std::string_view("AES\0DES3", 8)), "text/plain");
    REQUIRE_FALSE(nul);
    CHECK(nul.error().message.find("byte 0x00 at offset 3") != std::string::npos);
}

TEST_CASE("many distinct keywords: parsed in linear time, refused as a reply", "[caps]") {
    // Found by fuzz_caps (tests/fuzz): duplicates were found by comparing each keyword with all
    // before it, lower-casing both every time. 20,000 distinct tokens took 2.7 s; the 8 MiB a
    // hostile server may send (about 1.5 million tokens) would have taken hours.
    std::string body;
    for (int i = 0; i < 200000; ++i)
        body += "k" + std::to_string(i) + (i % 2 != 0 ? "\r\n" : "\n");
    body += "K0\nAES\n";
    const auto start = std::chrono::steady_clock::now();
    const auto caps = Capabilities::parse(body);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(caps.keywords().size() == 200001); // "K0" repeats "k0"
    CHECK(caps.keywords().back() == "AES");
    CHECK(caps.aes());
    CHECK(elapsed < std::chrono::seconds(10)); // about 0.1 s; the old parser needed minutes

    const auto reply = Capabilities::parse_reply(util::as_bytes(body), "text/plain");
    REQUIRE_FALSE(reply);
    CHECK(reply.error().code == util::ErrorCode::bad_reply);
    CHECK(
        reply.error().message ==
        "GetCACaps reply is not a capability list: 200001 different keywords (RFC 8894 defines 9; is the URL the SCEP "
        "endpoint?)");
}
