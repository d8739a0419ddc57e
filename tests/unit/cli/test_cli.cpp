#include <catch2/catch.hpp>

#include "cli/app.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json.hpp"
#include "cli/output.hpp"
#include "transport/curl_transport.hpp"
#include "util/url.hpp"

using util::Error;
using util::ErrorCode;

namespace {
int run_cli(std::vector<std::string> args) {
    args.insert(args.begin(), "scepctl");
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    return cli::run(static_cast<int>(argv.size()), argv.data());
}
} // namespace

TEST_CASE("every error code maps to its documented exit code", "[cli]") {
    CHECK(cli::exit_code_for(Error(ErrorCode::internal, "")) == 1);
    CHECK(cli::exit_code_for(Error(ErrorCode::ca_failure, "")) == 2);
    CHECK(cli::exit_code_for(Error(ErrorCode::pending, "")) == 3);
    CHECK(cli::exit_code_for(Error(ErrorCode::usage, "")) == 64);
    CHECK(cli::exit_code_for(Error(ErrorCode::config, "")) == 78);
    CHECK(cli::exit_code_for(Error(ErrorCode::http_auth, "")) == 80);
    CHECK(cli::exit_code_for(Error(ErrorCode::http_status, "")) == 81);
    CHECK(cli::exit_code_for(Error(ErrorCode::challenge_unavailable, "")) == 82);
    CHECK(cli::exit_code_for(Error(ErrorCode::hook_failed, "")) == 83);
    CHECK(cli::exit_code_for(Error(ErrorCode::not_renewable, "")) == 84);
    CHECK(cli::exit_code_for(Error(ErrorCode::timeout, "")) == 89);
    CHECK(cli::exit_code_for(Error(ErrorCode::file, "")) == 93);
    CHECK(cli::exit_code_for(Error(ErrorCode::network, "")) == 95);
    CHECK(cli::exit_code_for(Error(ErrorCode::bad_reply, "")) == 97);
    CHECK(cli::exit_code_for(Error(ErrorCode::verification, "")) == 97);
    for (int fail_info = 0; fail_info <= 4; ++fail_info) {
        Error e(ErrorCode::ca_failure, "");
        e.fail_info = fail_info;
        CHECK(cli::exit_code_for(e) == 70 + fail_info);
    }
    Error unknown(ErrorCode::ca_failure, "");
    unknown.fail_info = 99;
    CHECK(cli::exit_code_for(unknown) == 2);
    Error stopped(ErrorCode::interrupted, "");
    CHECK(cli::exit_code_for(stopped) == 130); // SIGINT when the signal is not known
    for (const int signal : {1, 2, 15}) {
        stopped.signal = signal;
        CHECK(cli::exit_code_for(stopped) == 128 + signal);
    }
}

TEST_CASE("usage errors exit 64, help and version exit 0", "[cli]") {
    CHECK(run_cli({"--no-such-option"}) == 64);
    CHECK(run_cli({}) == 64);
    CHECK(run_cli({"getcacaps"}) == 64);                      // no --url
    CHECK(run_cli({"getcacaps", "--url", "ftp://x/"}) == 64); // not http(s)
    CHECK(run_cli({"getcacert", "--url", "http://127.0.0.1:9/", "--ca-fingerprint", "sha256:zz"}) == 64);
    CHECK(run_cli({"--timeout", "-1", "getcacaps"}) == 64);
    CHECK(run_cli({"--help"}) == 0);
    CHECK(run_cli({"--version"}) == 0);
}

TEST_CASE("the --timeout flag takes 0.001 to 86400 seconds; anything else is a usage error", "[cli]") {
    // 0.0001 would round to 0 ms, inf and 1e300 overflow: libcurl reads both as "no limit". The
    // URL is a closed port on loopback, so a value that were accepted would give 95, not 64.
    for (const char* value : {"0.0001", "0", "-1", "inf", "nan", "1e300", "86401", "", "5s", "0x"}) {
        INFO("--timeout '" << value << "'");
        CHECK(run_cli({"getcacaps", "--url", "http://127.0.0.1:9/", "--timeout", value}) == 64);
    }
    CHECK(config::valid_timeout_seconds(0.001));
    CHECK(config::valid_timeout_seconds(86400));
    CHECK_FALSE(config::valid_timeout_seconds(0.000999));
    CHECK_FALSE(config::valid_timeout_seconds(86400.001));
}

TEST_CASE("secrets are redacted from trace lines", "[cli][secrets]") {
    using transport::CurlTransport;
    CHECK(CurlTransport::redact_header_line("Authorization: Negotiate YIIC8wYGKwYBBQUCoIIC5z") ==
          "Authorization: Negotiate <redacted>");
    CHECK(CurlTransport::redact_header_line("authorization: Basic dXNlcjpwYXNz") == "authorization: Basic <redacted>");
    CHECK(CurlTransport::redact_header_line("Proxy-Authorization: Basic dXNlcjpwYXNz") ==
          "Proxy-Authorization: Basic <redacted>");
    CHECK(CurlTransport::redact_header_line("WWW-Authenticate: Negotiate oYG3MIG0oAMKAQChCwYJKoZIhvcSAQIC") ==
          "WWW-Authenticate: Negotiate <redacted>");
    CHECK(CurlTransport::redact_header_line("WWW-Authenticate: Negotiate") == "WWW-Authenticate: Negotiate");
    CHECK(CurlTransport::redact_header_line("Cookie: session=abc") == "Cookie: <redacted>");
    CHECK(CurlTransport::redact_header_line("Host: ndes.example.test") == "Host: ndes.example.test");
    CHECK(util::redact_url("https://user:pw@ndes.example.test/x") == "https://<redacted>@ndes.example.test/x");
    CHECK(util::redact_url("see http://a:b@h/ and https://c:d@i/") ==
          "see http://<redacted>@h/ and https://<redacted>@i/");
    CHECK(util::redact_url("http://host/path?x=a@b") == "http://host/path?x=a@b");
}

TEST_CASE("JSON output escapes strings and keeps key order", "[cli]") {
    cli::Json j = cli::Json::object();
    j.set("b", "quote\" backslash\\ nl\n ctl\x01")
        .set("a", 7)
        .set("t", true)
        .set("n", cli::Json())
        .set("list", cli::Json::strings({"x", "y"}));
    CHECK(j.dump() == R"({"b":"quote\" backslash\\ nl\n ctl\u0001","a":7,"t":true,"n":null,"list":["x","y"]})");
}

// Server text (headers, page titles, failInfoText) may carry terminal escape sequences: OSC 0
// sets the window title, ED clears the screen, 0x9B is CSI in one byte.
TEST_CASE("terminal_safe escapes C0, DEL, C1 and bytes that are not UTF-8", "[cli]") {
    using cli::terminal_safe;
    CHECK(terminal_safe("plain text, M\xC3\xBCller \xE2\x82\xAC \xF0\x9F\x94\x91") ==
          "plain text, M\xC3\xBCller \xE2\x82\xAC \xF0\x9F\x94\x91");
    CHECK(terminal_safe("a\x1b]0;owned\x07\x1b[2Jb") == "a\\x1b]0;owned\\x07\\x1b[2Jb");
    CHECK(terminal_safe("tab\tnl\ncr\rdel\x7f") == "tab\\x09nl\\x0acr\\x0ddel\\x7f");
    CHECK(terminal_safe("csi \xC2\x9B"
                        "2J, nel \xC2\x85, nbsp \xC2\xA0") == "csi \\xc2\\x9b2J, nel \\xc2\\x85, nbsp \xC2\xA0");
    // Not UTF-8: a lone C1 byte, a stray continuation byte, a cut-off sequence, an overlong ESC,
    // a surrogate, and a code point above U+10FFFF.
    CHECK(terminal_safe("\x9b"
                        "2J \x80 \xE2\x82 \xC0\x9B \xED\xA0\x80 \xF4\x90\x80\x80") ==
          "\\x9b2J \\x80 \\xe2\\x82 \\xc0\\x9b \\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80");
    CHECK(terminal_safe(std::string("nul\0byte", 8)) == "nul\\x00byte");
}

TEST_CASE("JSON output escapes every control character and stays UTF-8", "[cli]") {
    cli::Json j = cli::Json::object();
    j.set("t", "\x1b]0;x\x07 \x7f \xC2\x9B \xC3\xA9 \xFF");
    CHECK(j.dump() == "{\"t\":\"\\u001b]0;x\\u0007 \\u007f \\u009b \xC3\xA9 \\ufffd\"}");
}

TEST_CASE("auth schemes are read from WWW-Authenticate, params and tokens skipped", "[cli][auth]") {
    using scep::offered_auth_schemes;
    CHECK(offered_auth_schemes("Negotiate, NTLM") == std::vector<std::string>{"negotiate", "ntlm"});
    CHECK(offered_auth_schemes("Basic realm=\"NDES, admin\", Negotiate") ==
          std::vector<std::string>{"basic", "negotiate"});
    CHECK(offered_auth_schemes("Negotiate oYG2MIGzoAMKAQChCwYJKoZIgvcSAQIC") == std::vector<std::string>{"negotiate"});
    CHECK(offered_auth_schemes("Digest realm=\"x\", qop=\"auth,auth-int\", nonce=\"abc\"") ==
          std::vector<std::string>{"digest"});
    CHECK(offered_auth_schemes("").empty());
    CHECK(offered_auth_schemes("NTLM, NTLM") == std::vector<std::string>{"ntlm"});
}

TEST_CASE("a URL that does not parse is a usage error before any request", "[cli]") {
    transport::CurlTransport http({});
    for (const char* url : {"http://[::1/x", "http://exa mple.test/x", "http://127.0.0.1:99999/x", "ftp://h/x", "x"}) {
        INFO(url);
        const auto reply = http.get(url);
        REQUIRE_FALSE(reply);
        CHECK(reply.error().code == ErrorCode::usage);
        CHECK(reply.error().message == "URL '" + std::string(url) + "' is not a valid http or https URL");
    }
}

TEST_CASE("the host of a URL, without user info, port or brackets", "[cli][auth]") {
    using transport::url_host;
    CHECK(url_host("https://NDES.Example.com/certsrv/mscep_admin/") == "ndes.example.com");
    CHECK(url_host("http://user:secret@ndes.example.com:8080/x") == "ndes.example.com");
    CHECK(url_host("http://[::1]:8080/") == "::1");
    CHECK(url_host("http://127.0.0.1/") == "127.0.0.1");
    CHECK(url_host("not a url").empty());
}
