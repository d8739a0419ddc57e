// cli: exit codes, the command line built from the option table, JSON and terminal output.
// (The libcurl transport has no unit executable of its own; its URL and redaction helpers are
// tested here, where it is linked.)
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>

#include "cli/app.hpp"
#include "cli/check_output.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/runtime.hpp"
#include "config/validate.hpp"
#include "test_support.hpp"
#include "transport/curl_transport.hpp"

using config::Command;
using config::CommandLine;
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

// A command line of the global options and the given subcommands, registered from the table as
// cli::run registers them.
struct Parser {
    CLI::App app{"test"};
    cli::TableOptions table;
    explicit Parser(std::initializer_list<Command> commands) {
        table.add_global(app);
        app.require_subcommand(0, 1);
        for (const Command command : commands) {
            CLI::App* sub = app.add_subcommand(std::string(config::name_of(command)));
            table.add_command(*sub, command);
            sub->fallthrough();
        }
    }
    // Parses `args` (without the program name); CLI11 throws CLI::ParseError on a mistake.
    CommandLine parse(std::vector<std::string> args, Command command) {
        args.insert(args.begin(), "scepctl");
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        app.parse(static_cast<int>(argv.size()), argv.data());
        return table.typed(command);
    }
};

using Values = std::vector<std::string>;
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

TEST_CASE("the host of a URL, without user info, port or brackets", "[cli][transport]") {
    using transport::url_host;
    CHECK(url_host("https://NDES.Example.com/certsrv/mscep_admin/") == "ndes.example.com");
    CHECK(url_host("http://user:secret@ndes.example.com:8080/x") == "ndes.example.com");
    CHECK(url_host("http://[::1]:8080/") == "::1");
    CHECK(url_host("http://127.0.0.1/") == "127.0.0.1");
    CHECK(url_host("not a url").empty());
}
TEST_CASE("JSON numbers: integers as written, doubles with millisecond precision", "[cli]") {
    cli::Json j = cli::Json::object();
    j.set("i", 42)
        .set("l", 1234567890123LL)
        .set("neg", -7)
        .set("d", 2.5)
        .set("small", 0.0004)
        .set("round", 1.23456)
        .set("neg_d", -1.25)
        .set("zero", 0.0)
        .set("nan", std::nan(""))
        .set("inf", std::numeric_limits<double>::infinity());
    CHECK(j.dump() == R"({"i":42,"l":1234567890123,"neg":-7,"d":2.500,"small":0.000,"round":1.235,"neg_d":-1.250,)"
                      R"("zero":0.000,"nan":null,"inf":null})");
    cli::Json list = cli::Json::array();
    list.push(0.5).push(cli::Json()).push(false);
    CHECK(list.dump() == "[0.500,null,false]");
}

TEST_CASE("JSON objects: prepend puts a member first", "[cli]") {
    cli::Json j = cli::Json::object();
    j.set("b", 1).prepend("a", "x");
    CHECK(j.is_object());
    CHECK_FALSE(cli::Json::array().is_object());
    CHECK(j.dump() == R"({"a":"x","b":1})");
}

TEST_CASE("utf8_sequence_length: well-formed sequences only", "[cli]") {
    CHECK(cli::utf8_sequence_length("a", 0) == 1);
    CHECK(cli::utf8_sequence_length("", 0) == 0);
    CHECK(cli::utf8_sequence_length("\xC3\xA9", 0) == 2);
    CHECK(cli::utf8_sequence_length("\xE2\x82\xAC", 0) == 3);
    CHECK(cli::utf8_sequence_length("\xF0\x9F\x94\x91", 0) == 4);
    CHECK(cli::utf8_sequence_length("\xC0\xAF", 0) == 0);         // overlong
    CHECK(cli::utf8_sequence_length("\xED\xA0\x80", 0) == 0);     // surrogate
    CHECK(cli::utf8_sequence_length("\xF4\x90\x80\x80", 0) == 0); // above U+10FFFF
    CHECK(cli::utf8_sequence_length("\xE2\x82", 0) == 0);         // cut off
    CHECK(cli::utf8_sequence_length("x\xC3\xA9", 1) == 2);
}

TEST_CASE("check results in JSON: the same keys for every check, null where unset", "[cli][checks]") {
    std::vector<diag::CheckResult> results;
    results.push_back({.id = "getcacaps",
                       .status = diag::CheckStatus::fail,
                       .summary = "404",
                       .http_status = 404,
                       .error_code = ErrorCode::http_status,
                       .seconds = 0.0125});
    results.push_back({.id = "spn",
                       .status = diag::CheckStatus::pass,
                       .summary = "one owner",
                       .evidence = "svc",
                       .krb5_error = "KDC_ERR_S_PRINCIPAL_UNKNOWN",
                       .spn = "HTTP/ndes.example.com",
                       .fix = "setspn -S",
                       .information = "the KDC names no owner",
                       .seconds = 1.5});
    CHECK(cli::checks_json(results).dump() ==
          R"([{"id":"getcacaps","status":"FAIL","summary":"404","evidence":"","krb5_error":null,"http_status":404,)"
          R"("spn":null,"fix":null,"information":null,"seconds":0.013},)"
          R"({"id":"spn","status":"PASS","summary":"one owner","evidence":"svc",)"
          R"("krb5_error":"KDC_ERR_S_PRINCIPAL_UNKNOWN","http_status":null,"spn":"HTTP/ndes.example.com",)"
          R"("fix":"setspn -S","information":"the KDC names no owner","seconds":1.500}])");
    CHECK(cli::checks_json({}).dump() == "[]");
}

TEST_CASE("a check report's outcome maps to the documented exit codes", "[cli][checks]") {
    class Clock final : public workflow::Clock {
      public:
        bool sleep(std::chrono::seconds) override { return true; }
    } clock;
    diag::Report kerberos(clock, ErrorCode::http_auth);
    kerberos.add({.id = "tgt", .status = diag::CheckStatus::fail, .summary = "no ticket"});
    CHECK(cli::exit_code_for(kerberos.outcome().error()) == 80);
    diag::Report ndes(clock, ErrorCode::internal);
    ndes.add({.id = "enroll-test",
              .status = diag::CheckStatus::fail,
              .summary = "refused",
              .error_code = ErrorCode::ca_failure,
              .fail_info = 2});
    CHECK(cli::exit_code_for(ndes.outcome().error()) == 72); // badRequest
}

TEST_CASE("TableOptions: flags are \"true\", values as typed, global options on either side", "[cli][options]") {
    Parser parser({Command::enroll, Command::renew});
    const CommandLine line = parser.parse(
        {"--insecure", "enroll", "--force", "-v", "--key-size", "3072", "--timeout", "2.5", "--subject", "CN=a"},
        Command::enroll);
    CHECK(line == CommandLine{{"insecure", {"true"}},
                              {"force", {"true"}},
                              {"verbose", {"true"}},
                              {"key-size", {"3072"}},
                              {"timeout", {"2.5"}},
                              {"subject", {"CN=a"}}});
    // Only what was typed: nothing for the rest, no defaults.
    CHECK(line.count("key-usage") == 0);
    CHECK(line.count("format") == 0);
}

TEST_CASE("TableOptions: list flags are repeatable, in order", "[cli][options]") {
    Parser parser({Command::enroll});
    const CommandLine line = parser.parse(
        {"enroll", "--san", "dns:a.example.com", "--eku", "clientAuth", "--san", "ip:192.0.2.1"}, Command::enroll);
    CHECK(line.at("san") == Values{"dns:a.example.com", "ip:192.0.2.1"});
    CHECK(line.at("eku") == Values{"clientAuth"});
}

TEST_CASE("TableOptions: a text flag given twice is an error", "[cli][options]") {
    Parser parser({Command::enroll});
    CHECK_THROWS_AS(parser.parse({"enroll", "--subject", "CN=a", "--subject", "CN=b"}, Command::enroll),
                    CLI::ParseError);
    Parser global({Command::getcacaps});
    CHECK_THROWS_AS(global.parse({"getcacaps", "--url", "http://a/", "--url", "http://b/"}, Command::getcacaps),
                    CLI::ParseError);
}

TEST_CASE("TableOptions: --kerberos and --no-kerberos exclude each other", "[cli][options]") {
    for (const Command command : {Command::enroll, Command::renew, Command::getchallenge, Command::check_ndes}) {
        INFO(config::name_of(command));
        const std::string name(config::name_of(command));
        Parser both({command});
        CHECK_THROWS_AS(both.parse({name, "--kerberos", "--no-kerberos"}, command), CLI::ExcludesError);
        Parser one({command});
        const CommandLine line = one.parse({name, "--no-kerberos"}, command);
        CHECK(line == CommandLine{{"no-kerberos", {"true"}}});
        // The option table turns it into kerberos = false.
        const auto options =
            config::resolve(command, line, [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
        if (!options) FAIL(options.error().message);
        REQUIRE(options->get("kerberos") != nullptr);
        CHECK(options->get("kerberos")->values == Values{"false"});
    }
}

TEST_CASE("TableOptions: getcert requires --serial and --out", "[cli][options]") {
    Parser missing({Command::getcert});
    CHECK_THROWS_AS(missing.parse({"getcert", "--out", "c.pem"}, Command::getcert), CLI::RequiredError);
    Parser no_out({Command::getcert});
    CHECK_THROWS_AS(no_out.parse({"getcert", "--serial", "0A"}, Command::getcert), CLI::RequiredError);
    Parser complete({Command::getcert});
    const CommandLine line = complete.parse({"getcert", "--serial", "0A", "--out", "c.pem"}, Command::getcert);
    CHECK(line == CommandLine{{"serial", {"0A"}}, {"out", {"c.pem"}}});
    // Required only where the table says: getcacert's --out is optional.
    Parser getcacert({Command::getcacert});
    CHECK(getcacert.parse({"getcacert"}, Command::getcacert).empty());
}

TEST_CASE("TableOptions: each subcommand has its own rows", "[cli][options]") {
    // A flag another subcommand has is not one of this one's.
    Parser parser({Command::getcacaps, Command::enroll});
    CHECK_THROWS_AS(parser.parse({"getcacaps", "--key-size", "2048"}, Command::getcacaps), CLI::ParseError);
    // renew's --key and enroll's --key are different rows; typed() reports the chosen one's.
    Parser both({Command::enroll, Command::renew});
    const CommandLine line = both.parse({"renew", "--key", "k.pem", "--json"}, Command::renew);
    CHECK(line == CommandLine{{"key", {"k.pem"}}, {"json", {"true"}}});
    CHECK(both.table.typed(Command::enroll) == CommandLine{{"json", {"true"}}});
    // File-only keys have no flag.
    Parser profile({Command::enroll});
    CHECK_THROWS_AS(profile.parse({"enroll", "--allowed-digests", "sha256"}, Command::enroll), CLI::ParseError);
}

TEST_CASE("the challenge comes from the file, a literal, or SCEPCTL_CHALLENGE, which is wiped", "[cli][secrets]") {
    test::TempDir dir;
    const cli::Output out({.json = false, .quiet = true, .verbose = false, .terminal = false});
    cli::CurlTransports transports(out);
    util::NullSink events;
    cli::SystemClock clock(out);
    workflow::Collaborators with{transports, events, clock};
    const config::Environment environment = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
    const auto challenge_of = [&](const CommandLine& line) {
        auto options = config::resolve(Command::enroll, line, environment);
        REQUIRE(options);
        cli::Run run{*options, environment, out, with};
        return cli::given_challenge(run);
    };
    const char* old = std::getenv("SCEPCTL_CHALLENGE");
    const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;

    const auto file = dir.path / "challenge";
    test::write_file(file, util::as_bytes("from-file\n"));
    ::setenv("SCEPCTL_CHALLENGE", "from-env", 1);
    auto challenge = challenge_of({{"challenge-file", {file.string()}}});
    REQUIRE(challenge);
    REQUIRE(*challenge);
    CHECK(**challenge == "from-file");
    CHECK(std::getenv("SCEPCTL_CHALLENGE") != nullptr); // not read, not wiped

    challenge = challenge_of({{"challenge", {"literal"}}});
    REQUIRE(challenge);
    REQUIRE(*challenge);
    CHECK(**challenge == "literal");

    challenge = challenge_of({});
    REQUIRE(challenge);
    REQUIRE(*challenge);
    CHECK(**challenge == "from-env");
    CHECK(std::getenv("SCEPCTL_CHALLENGE") == nullptr); // read once, gone from the environment

    challenge = challenge_of({});
    REQUIRE(challenge);
    CHECK_FALSE(*challenge);

    challenge = challenge_of({{"challenge-file", {(dir.path / "missing").string()}}});
    REQUIRE_FALSE(challenge);
    CHECK(challenge.error().code == ErrorCode::file);
    if (saved) ::setenv("SCEPCTL_CHALLENGE", saved->c_str(), 1);
}
