// config/config: the TOML file model. Every key is read against the option table, so unknown
// keys, wrong types and bad values are errors naming file:line:key; toml_guard keeps hostile text
// away from toml++; relative paths are resolved against the file's directory.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "test_support.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using config::load_config;
using config::parse_config;
using util::ErrorCode;

namespace {

constexpr const char* k_fingerprint = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
using Values = std::vector<std::string>;

// The message of the error that parsing `text` must give.
std::string error_of(const std::string& text, const std::string& source = "<test>") {
    const auto result = parse_config(text, source);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::config);
    return result.error().message;
}

config::Config parsed(const std::string& text, const std::string& source = "<test>") {
    auto result = parse_config(text, source);
    if (!result) FAIL(result.error().message);
    return std::move(result).value();
}

// The values of `key` in `table`; {"<unset>"} when the key is not set (never a real value).
Values values_of(const config::FileTable* table, std::string_view key) {
    REQUIRE(table != nullptr);
    const config::FileValue* value = table->get(key);
    return value == nullptr ? Values{"<unset>"} : value->values;
}

// A [kerberos] table that passes, then `extra` lines inside it (from line 5 on).
std::string kerberos_with(const std::string& extra) {
    return "[kerberos]\n"
           "realm = \"CORP.EXAMPLE.COM\"\n"
           "service_user = \"svc@CORP.EXAMPLE.COM\"\n"
           "keytab = \"/etc/scepctl/svc.keytab\"\n" +
           extra;
}

// A [ca.x] table that passes, then `extra` lines inside it (from line 3 on).
std::string ca_with(const std::string& extra) {
    return "[ca.x]\n"
           "scep_url = \"https://ndes.example.com/certsrv/mscep/mscep.dll\"\n" +
           extra;
}

// [ca.x] on lines 1-2, then [profile.p] with ca = "x" on lines 4-5, then `extra` from line 6 on.
std::string profile_with(const std::string& extra) {
    return ca_with("\n[profile.p]\nca = \"x\"\n" + extra);
}

// Sets or unsets an environment variable for one scope.
class EnvGuard {
  public:
    explicit EnvGuard(std::string name) : m_name(std::move(name)) {
        if (const char* value = std::getenv(m_name.c_str())) m_old = value;
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;
    ~EnvGuard() {
        if (m_old)
            ::setenv(m_name.c_str(), m_old->c_str(), 1);
        else
            ::unsetenv(m_name.c_str());
    }
    void set(const std::string& value) const { ::setenv(m_name.c_str(), value.c_str(), 1); }
    void unset() const { ::unsetenv(m_name.c_str()); }

  private:
    std::string m_name;
    std::optional<std::string> m_old;
};

void write_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("a complete file is read into tables of checked values", "[config]") {
    const std::string text = std::string(R"([kerberos]
realm = "CORP.EXAMPLE.COM"
kdc = ["dc1.corp.example.com", "dc2.corp.example.com:88", "[2001:db8::1]:750"]
service_user = "svc-scep@CORP.EXAMPLE.COM"
password_file = "/etc/scepctl/svc.pass"
allowed_domains = [".Corp.Example.COM", "example.net"]

[ca.ndes]
type = "microsoft"
scep_url = "https://ndes.corp.example.com/certsrv/mscep/mscep.dll"
challenge_url = "https://ndes.corp.example.com/certsrv/mscep_admin/"
prefer_kerberos = true
username = "CORP\\enroll"
password_file = "/etc/scepctl/enroll.pass"
ca_fingerprint = ")") + k_fingerprint +
                             R"("
tls_ca_file = "/etc/ssl/corp-root.pem"
timeout = 2.5
message = "ca-1"

[ca.plain]
scep_url = "http://scep.example.net/scep"
timeout = 10

[profile.device]
ca = "ndes"
subject = "CN=${fqdn},O=Example"
san = ["dns:host.example.com", "ip:192.0.2.1"]
key_size = 4096
key_usage = "encryption"
eku = ["serverAuth", "1.3.6.1.5.5.7.3.2"]
cipher = "aes256"
digest = "sha512"
allowed_digests = ["sha256", "sha512"]
max_polls = 0
poll_interval = 5
poll_timeout = 600
method = "post"
out_dir = "/var/lib/scepctl"
key_out = "/etc/ssl/private/host.key"
cert_out = "/etc/ssl/certs/host.pem"
chain_out = "/etc/ssl/certs/chain.pem"

[profile.minimal]
ca = "plain"
)";
    const auto config = parsed(text);
    CHECK(config.path.empty());

    REQUIRE(config.kerberos);
    const config::FileTable* k = &*config.kerberos;
    CHECK(k->line == 1);
    CHECK(k->name.empty());
    CHECK(values_of(k, "realm") == Values{"CORP.EXAMPLE.COM"});
    CHECK(values_of(k, "kdc") == Values{"dc1.corp.example.com", "dc2.corp.example.com:88", "[2001:db8::1]:750"});
    CHECK(values_of(k, "service_user") == Values{"svc-scep@CORP.EXAMPLE.COM"});
    CHECK(k->get("keytab") == nullptr);
    CHECK(values_of(k, "password_file") == Values{"/etc/scepctl/svc.pass"});
    // Lower-cased and without the leading dot, by the option table's validator.
    CHECK(values_of(k, "allowed_domains") == Values{"corp.example.com", "example.net"});
    // Each value knows where it was written, for messages.
    REQUIRE(k->get("kdc") != nullptr);
    CHECK(k->get("kdc")->line == 3);
    CHECK(k->get("kdc")->key_path == "kerberos.kdc");

    REQUIRE(config.cas.size() == 2);
    const auto* ndes = config.ca("ndes");
    REQUIRE(ndes != nullptr);
    CHECK(ndes->name == "ndes");
    CHECK(ndes->line == 8);
    CHECK(ndes->text("type") == "microsoft");
    CHECK(ndes->text("scep_url") == "https://ndes.corp.example.com/certsrv/mscep/mscep.dll");
    CHECK(ndes->text("challenge_url") == "https://ndes.corp.example.com/certsrv/mscep_admin/");
    CHECK(ndes->text("prefer_kerberos") == "true");
    CHECK(ndes->text("username") == "CORP\\enroll");
    CHECK(ndes->text("password_file") == "/etc/scepctl/enroll.pass");
    CHECK(ndes->text("ca_fingerprint") == k_fingerprint);
    CHECK(ndes->text("tls_ca_file") == "/etc/ssl/corp-root.pem");
    CHECK(ndes->text("timeout") == "2.5");
    CHECK(ndes->text("message") == "ca-1");
    CHECK(ndes->get("timeout")->key_path == "ca.ndes.timeout");
    CHECK(ndes->get("timeout")->line == 17);

    const auto* plain = config.ca("plain");
    REQUIRE(plain != nullptr);
    // Unset keys stay unset: defaults are the option table's, applied when a subcommand resolves.
    CHECK_FALSE(plain->text("type"));
    CHECK_FALSE(plain->text("prefer_kerberos"));
    CHECK_FALSE(plain->text("challenge_url"));
    CHECK(plain->text("timeout") == "10");
    CHECK(config.ca("missing") == nullptr);

    REQUIRE(config.profiles.size() == 2);
    const auto* device = config.profile("device");
    REQUIRE(device != nullptr);
    CHECK(device->name == "device");
    CHECK(device->line == 24);
    CHECK(device->text("ca") == "ndes");
    CHECK(device->text("subject") == "CN=${fqdn},O=Example");
    CHECK(values_of(device, "san") == Values{"dns:host.example.com", "ip:192.0.2.1"});
    CHECK(device->text("key_size") == "4096");
    CHECK(device->text("key_usage") == "encryption");
    CHECK(values_of(device, "eku") == Values{"serverAuth", "1.3.6.1.5.5.7.3.2"});
    CHECK(device->text("cipher") == "aes256");
    CHECK(device->text("digest") == "sha512");
    CHECK(values_of(device, "allowed_digests") == Values{"sha256", "sha512"});
    CHECK(device->text("max_polls") == "0");
    CHECK(device->text("poll_interval") == "5");
    CHECK(device->text("poll_timeout") == "600");
    CHECK(device->text("method") == "post");
    CHECK(device->text("out_dir") == "/var/lib/scepctl");
    CHECK(device->text("key_out") == "/etc/ssl/private/host.key");
    CHECK(device->text("cert_out") == "/etc/ssl/certs/host.pem");
    CHECK(device->text("chain_out") == "/etc/ssl/certs/chain.pem");

    // Unset keys stay unset so that flags, environment and defaults can apply in order.
    const auto* minimal = config.profile("minimal");
    REQUIRE(minimal != nullptr);
    CHECK(minimal->text("ca") == "plain");
    CHECK(minimal->values.size() == 1);
    for (const char* key : {"subject", "key_size", "key_usage", "digest", "max_polls", "out_dir", "san"}) {
        INFO(key);
        CHECK(minimal->get(key) == nullptr);
    }
    CHECK(config.profile("nope") == nullptr);
}

TEST_CASE("an empty file is a valid, empty config", "[config]") {
    const auto config = parsed("# nothing yet\n");
    CHECK_FALSE(config.kerberos);
    CHECK(config.cas.empty());
    CHECK(config.profiles.empty());
}

TEST_CASE("TOML syntax errors name file, line and column", "[config]") {
    const auto message = error_of("[ca.x]\nscep_url = \"https://h/\"\ntimeout = \n", "conf/scepctl.toml");
    CHECK_THAT(message, StartsWith("conf/scepctl.toml:3:"));
    CHECK_THAT(message, Contains(": TOML syntax error: "));
    CHECK_THAT(error_of("[ca.x\n"), StartsWith("<test>:1:"));
    CHECK_THAT(error_of("[ca.x]\n[ca.x]\n"), StartsWith("<test>:2:"));
}

// toml++ 3.3.0 reaches __builtin_unreachable on some non-ASCII characters where it looks for
// whitespace (found by fuzz_config: "poll_tip°"); such text is refused before it gets there.
TEST_CASE("non-ASCII text outside strings and comments is refused before the TOML parser", "[config]") {
    CHECK(error_of(profile_with("poll_tip\xC2\xB0 = 1\n")) ==
          "<test>:6:9: non-ASCII character outside a string or comment (keys and values other than strings are "
          "ASCII in TOML: put the text in quotes)");
    CHECK_THAT(error_of("# K\xC3\xB6ln\n[ca.x]\nscep_url = \xC3\xA9\n"), StartsWith("<test>:3:12: non-ASCII"));
    CHECK_THAT(error_of(ca_with("timeout = 30 \xE3\x80\x80\n")), StartsWith("<test>:3:14: non-ASCII"));
    // Where toml++ trims the start of a continued line in a multi-line basic string (issue 190).
    CHECK(error_of(profile_with("subject = \"\"\"CN=a,\\\n  \xC2\xA7\"\"\"\n")) ==
          "<test>:7:3: a non-ASCII character right after a line-ending backslash in a multi-line string: start the "
          "line with an ASCII character or write it as \\uXXXX");
    CHECK_THAT(error_of(profile_with("subject = \"\"\"CN=a,\\  \r\n\n\xC2\xA7\"\"\"\n")),
               StartsWith("<test>:8:1: a non-ASCII"));
}

// The guard must agree with toml++ on where strings and comments start: toml++ tests every
// character it reads outside them, and a quote inside a bare value starts no string. fuzz_config
// found the first of these (issue 16): the quote after "0" made the guard skip U+030F.
TEST_CASE("a quote that does not start a key or a value starts no string", "[config]") {
    const std::string k_outside = "non-ASCII character outside a string or comment";
    // The reproducer, byte for byte: 73 63 65 70 5f 75 72 6c 20 3d 20 30 22 cc 8f 22 0a.
    CHECK(error_of("scep_url = 0\"\xCC\x8F\"\n") ==
          "<test>:1:14: " + k_outside +
              " (keys and values other than strings are ASCII in TOML: put the text in quotes)");
    // Bare values of every kind, in arrays and inline tables too.
    CHECK_THAT(error_of(ca_with("timeout = 30\"\xC3\xA9\"\n")), StartsWith("<test>:3:14: " + k_outside));
    CHECK_THAT(error_of(ca_with("timeout = true'\xC3\xA9'\n")), StartsWith("<test>:3:16: " + k_outside));
    CHECK_THAT(error_of(ca_with("timeout = -\"\xC3\xA9\"\n")), StartsWith("<test>:3:13: " + k_outside));
    CHECK_THAT(error_of(ca_with("timeout = [1, 2\"\xC3\xA9\"]\n")), StartsWith("<test>:3:17: " + k_outside));
    CHECK_THAT(error_of(ca_with("timeout = {a = 0\"\xC3\xA9\"}\n")), StartsWith("<test>:3:18: " + k_outside));
    CHECK_THAT(error_of(ca_with("timeout = 1979-05-27 0\xC3\xA9\n")), StartsWith("<test>:3:23: " + k_outside));
    CHECK_THAT(error_of(ca_with("timeout = 1979-05-27 \xC3\xA9\n")), StartsWith("<test>:3:22: " + k_outside));
    // Right after a key, a quoted key segment, a dot or a table header.
    CHECK_THAT(error_of(ca_with("\"message\"\xC3\xA9 = \"x\"\n")), StartsWith("<test>:3:10: " + k_outside));
    CHECK_THAT(error_of(ca_with("a.\xC3\xA9 = 1\n")), StartsWith("<test>:3:3: " + k_outside));
    CHECK_THAT(error_of("[ca.x]\xC3\xA9\n"), StartsWith("<test>:1:7: " + k_outside));
    CHECK_THAT(error_of("[ca.x] \xC2\xA0# a no-break space\n"), StartsWith("<test>:1:8: " + k_outside));
    // In a multi-line basic string toml++ tests the character after every backslash.
    CHECK(error_of(ca_with("message = \"\"\"a\\\xC3\xA9\"\"\"\n")) ==
          "<test>:3:16: a non-ASCII character right after a backslash in a multi-line string: write it as \\uXXXX");
    CHECK_THAT(error_of(ca_with("message = \"\"\"a\\  \xC3\xA9\"\"\"\n")),
               StartsWith("<test>:3:18: a non-ASCII character right after a backslash"));
}

TEST_CASE("after a TOML syntax error, non-ASCII text gets toml++'s message for that error", "[config]") {
    // The guard cannot know where strings and comments are after text TOML does not allow, so it
    // refuses any non-ASCII text from there on; the message is the syntax error that comes first.
    CHECK_THAT(error_of(ca_with("timeout = 30 x # K\xC3\xB6ln\n")), StartsWith("<test>:3:14: TOML syntax error: "));
    CHECK_THAT(error_of(ca_with("a\"b\xC3\xA9\" = 1\n")), StartsWith("<test>:3:2: TOML syntax error: "));
    CHECK_THAT(error_of(ca_with("message = \"a\nb = \"\xC3\xA9\"\n")), StartsWith("<test>:3:13: TOML syntax error: "));
    // Without non-ASCII text after it, toml++ reports the same error itself.
    CHECK_THAT(error_of(ca_with("timeout = 30 x # Koeln\n")), StartsWith("<test>:3:14: TOML syntax error: "));
}

TEST_CASE("non-ASCII text in strings and comments of arrays, inline tables and dates is read", "[config]") {
    // Comments between array elements, strings in inline tables, a comment after a date-time
    // written with a space: toml++ gets the file and the loader's own checks answer.
    const std::string utf8 = "M\xC3\xBCller";
    CHECK(parsed(profile_with("san = [ # " + utf8 + "\n  \"dns:a.example.com\", # " + utf8 + "\n]\n"))
              .profiles.at("p")
              .get("san")
              ->values.size() == 1);
    CHECK(error_of(ca_with("message = { text = \"" + utf8 + "\" } # " + utf8 + "\n")) ==
          "<test>:3: ca.x.message: expected a string, got a table");
    CHECK(error_of(ca_with("timeout = 1979-05-27 07:32:00Z # " + utf8 + "\n")) ==
          "<test>:3: ca.x.timeout: expected a number of seconds (integer or float), got a date-time");
    CHECK(parsed(ca_with("message = '''" + utf8 + "''' # " + utf8 + "\n")).cas.at("x").text("message") == utf8);
}

TEST_CASE("a UTF-8 byte-order mark at the start of the file is skipped", "[config]") {
    // Windows editors (Notepad before Windows 10 1903, PowerShell 5's Out-File -Encoding utf8) write one.
    const auto config = parsed("\xEF\xBB\xBF" + ca_with("# K\xC3\xB6ln\nmessage = \"\xC3\xA9\"\n"));
    CHECK(config.cas.at("x").text("message") == "\xC3\xA9");
    // Only at the start: anywhere else it is a non-ASCII character like any other.
    CHECK_THAT(error_of(ca_with("\xEF\xBB\xBFtimeout = 1\n")), StartsWith("<test>:3:1: non-ASCII"));
    // Line and column count from after it.
    CHECK_THAT(error_of("\xEF\xBB\xBF[ca.x\n"), StartsWith("<test>:1:"));
    CHECK_THAT(error_of("\xEF\xBB\xBF"
                        "a\xC3\xA9 = 1\n"),
               StartsWith("<test>:1:2: non-ASCII"));
}

TEST_CASE("non-ASCII text in strings and comments is read as written", "[config]") {
    // Comments, basic and literal strings, multi-line ones (with quotes and escapes inside, and up
    // to two extra quotes before the closing delimiter), and quoted keys.
    const std::string utf8 = "M\xC3\xBCller \xE2\x82\xAC \xC2\xB0";
    const auto message_of = [](const std::string& line) {
        return parsed(ca_with(line)).cas.at("x").text("message").value_or("<unset>");
    };
    CHECK(message_of("# " + utf8 + "\nmessage = \"" + utf8 + " \\\"q\\\" \"\n") == utf8 + " \"q\" ");
    CHECK(message_of("message = '" + utf8 + "'\n") == utf8);
    CHECK(message_of("message = \"\"\"a\\\"\"\"" + utf8 + "\"\"\"\"\n") == "a\"\"\"" + utf8 + "\"");
    CHECK(message_of("message = '''a\n" + utf8 + "'''''\n") == "a\n" + utf8 + "''");
    CHECK(message_of("message = \"\"\"a,\\\n  b" + utf8 + "\"\"\"\n") == "a,b" + utf8);
    CHECK_THAT(error_of("[\"" + utf8 + "\"]\n"), StartsWith("<test>:1: " + utf8 + ": unknown table"));
}

TEST_CASE("duplicate keys and tables are TOML errors naming the second one", "[config]") {
    CHECK_THAT(error_of(ca_with("scep_url = \"https://other/\"\n"), "conf/scepctl.toml"),
               StartsWith("conf/scepctl.toml:3:"));
    CHECK_THAT(error_of(profile_with("key_size = 2048\nkey_size = 3072\n")), StartsWith("<test>:7:"));
    CHECK_THAT(error_of(ca_with("") + "[ca.x]\n"), StartsWith("<test>:3:"));
}

TEST_CASE("unknown tables and keys are errors, with a did-you-mean hint", "[config]") {
    CHECK(error_of("[profiles.x]\nca = \"y\"\n") == "<test>:1: profiles: unknown table (did you mean [profile]?)");
    CHECK(error_of("[kerbros]\n") == "<test>:1: kerbros: unknown table (did you mean [kerberos]?)");
    CHECK_THAT(error_of("scep_url = \"https://h/\"\n"),
               StartsWith("<test>:1: scep_url: unknown key: settings go in [kerberos], [ca.NAME] or [profile.NAME]"));
    CHECK(error_of(ca_with("scep_ur = \"https://h/\"\n")) ==
          "<test>:3: ca.x.scep_ur: unknown key (did you mean scep_url?)");
    CHECK(error_of(ca_with("prefer_kerbros = true\n")) ==
          "<test>:3: ca.x.prefer_kerbros: unknown key (did you mean prefer_kerberos?)");
    CHECK(error_of(profile_with("keysize = 2048\n")) ==
          "<test>:6: profile.p.keysize: unknown key (did you mean key_size?)");
    CHECK(error_of(kerberos_with("kcd = []\n")) == "<test>:5: kerberos.kcd: unknown key (did you mean kdc?)");
    // A key of another table is unknown here: the option table says which table sets it.
    CHECK_THAT(error_of(profile_with("scep_url = \"https://h/\"\n")),
               StartsWith("<test>:6: profile.p.scep_url: unknown key"));
    const auto far = error_of(ca_with("colour = \"blue\"\n"));
    CHECK_THAT(far, StartsWith("<test>:3: ca.x.colour: unknown key in [ca.NAME] (known keys: "));
    CHECK_THAT(far, Contains("scep_url"));
    CHECK_THAT(far, Contains("prefer_kerberos"));
    CHECK_THAT(far, !Contains("key_size")); // a profile key, not a CA key
    // A sub-table inside a CA is an unknown key too.
    CHECK_THAT(error_of(ca_with("[ca.x.extra]\n")), StartsWith("<test>:3: ca.x.extra: unknown key"));
    CHECK_THAT(error_of("ca = 1\n"), StartsWith("<test>:1: ca: expected tables [ca.NAME], got an integer"));
    CHECK_THAT(error_of("[ca]\nx = 1\n"), StartsWith("<test>:2: ca.x: expected a table [ca.x], got an integer"));
    CHECK_THAT(error_of("[[kerberos]]\n"), StartsWith("<test>:1: kerberos: expected a table [kerberos] (at most one)"));
    CHECK_THAT(error_of("[ca.\"a b\"]\nscep_url = \"https://h/\"\n"),
               StartsWith("<test>:1: ca.a b: names may only contain letters, digits"));
}

TEST_CASE("secrets are refused inline", "[config][secrets]") {
    const std::string password_hint =
        "secrets are not allowed inline: use password_file (a file readable only by its owner)";
    CHECK(error_of(ca_with("password = \"hunter2\"\n")) == "<test>:3: ca.x.password: " + password_hint);
    CHECK(error_of(kerberos_with("secret = \"s\"\n")) == "<test>:5: kerberos.secret: " + password_hint);
    CHECK(error_of(profile_with("token = \"t\"\n")) == "<test>:6: profile.p.token: " + password_hint);
    CHECK(error_of("password = \"p\"\n") == "<test>:1: password: " + password_hint);
    CHECK(error_of(profile_with("challenge = \"c\"\n")) ==
          "<test>:6: profile.p.challenge: secrets are not allowed inline: use --challenge-file or challenge_url");
    CHECK_THAT(error_of(ca_with("challenge_password = \"c\"\n")),
               StartsWith("<test>:3: ca.x.challenge_password: secrets are not allowed inline"));
    // The value is never echoed, not even from a URL's user information.
    const auto url = error_of("[ca.x]\nscep_url = \"https://admin:hunter2@ndes.example.com/\"\n");
    CHECK_THAT(url, StartsWith("<test>:2: ca.x.scep_url: user:password@ in the URL is not allowed"));
    CHECK_THAT(url, !Contains("hunter2"));
    CHECK_THAT(error_of(ca_with("password = \"hunter2\"\n")), !Contains("hunter2"));
}

TEST_CASE("types are checked strictly and the expected type is named", "[config]") {
    CHECK(error_of("[ca.x]\nscep_url = 1\n") == "<test>:2: ca.x.scep_url: expected a string, got an integer");
    CHECK(error_of(ca_with("prefer_kerberos = \"yes\"\n")) ==
          "<test>:3: ca.x.prefer_kerberos: expected a boolean (true or false), got a string");
    CHECK(error_of(ca_with("timeout = \"30\"\n")) ==
          "<test>:3: ca.x.timeout: expected a number of seconds (integer or float), got a string");
    CHECK(error_of(kerberos_with("kdc = \"dc1\"\n")) ==
          "<test>:5: kerberos.kdc: expected an array of strings, got a string");
    CHECK(error_of(profile_with("san = [\n  \"dns:a.example.com\",\n  2,\n]\n")) ==
          "<test>:8: profile.p.san[1]: expected a string (the value must be an array of strings), got an integer");
    CHECK(error_of(profile_with("key_size = \"2048\"\n")) ==
          "<test>:6: profile.p.key_size: expected an integer, got a string");
    CHECK(error_of(profile_with("key_size = 2048.0\n")) ==
          "<test>:6: profile.p.key_size: expected an integer, got a float");
    CHECK(error_of(profile_with("subject = [\"CN=a\"]\n")) ==
          "<test>:6: profile.p.subject: expected a string, got an array");
    CHECK(error_of(ca_with("\n[profile.p]\nca = 3\n")) == "<test>:5: profile.p.ca: expected a string, got an integer");
    CHECK(error_of(profile_with("out_dir = \"\"\n")) ==
          "<test>:6: profile.p.out_dir: must not be empty (remove the key to use the default)");
}

TEST_CASE("[kerberos] is validated", "[config]") {
    SECTION("realm") {
        const auto lower = error_of("[kerberos]\nrealm = \"corp.example.com\"\n");
        CHECK_THAT(lower, StartsWith("<test>:2: kerberos.realm: \"corp.example.com\" must be upper case"));
        CHECK_THAT(lower, Contains("use the AD DNS domain in upper case"));
        CHECK_THAT(lower, Contains("CORP.EXAMPLE.COM"));
        CHECK_THAT(error_of("[kerberos]\nrealm = \"\"\n"), StartsWith("<test>:2: kerberos.realm: must not be empty"));
        // The problem is the value, not a missing key: the one error names it.
        const auto bad_realm = parse_config("[kerberos]\nrealm = \"corp.example.com\"\n", "<test>");
        REQUIRE_FALSE(bad_realm);
        CHECK(bad_realm.error().details.empty());
        CHECK_THAT(error_of("\n[kerberos]\nkdc = []\n"), StartsWith("<test>:2: kerberos.realm: missing: "));
    }
    SECTION("service_user") {
        CHECK_THAT(error_of("[kerberos]\nrealm = \"CORP.EXAMPLE.COM\"\nservice_user = \"svc\"\nkeytab = \"/k\"\n"),
                   StartsWith("<test>:3: kerberos.service_user: \"svc\" is not user@REALM"));
        const auto other = error_of("[kerberos]\nrealm = \"CORP.EXAMPLE.COM\"\nservice_user = \"svc@OTHER.COM\"\n"
                                    "keytab = \"/k\"\n");
        CHECK_THAT(other, StartsWith("<test>:3: kerberos.service_user: the realm of \"svc@OTHER.COM\" is not "
                                     "kerberos.realm \"CORP.EXAMPLE.COM\""));
        CHECK_THAT(error_of("[kerberos]\nrealm = \"CORP.EXAMPLE.COM\"\nservice_user = \"svc@corp.example.com\"\n"
                            "keytab = \"/k\"\n"),
                   StartsWith("<test>:3: kerberos.service_user: the realm of"));
    }
    SECTION("kdc") {
        CHECK(error_of(kerberos_with("kdc = [\"dc1\", \"dc2:0\"]\n")) ==
              "<test>:5: kerberos.kdc[1]: \"dc2:0\" is not \"host\" or \"host:port\" (port 1-65535)");
        CHECK_THAT(error_of(kerberos_with("kdc = [\"dc2:65536\"]\n")), StartsWith("<test>:5: kerberos.kdc[0]: "));
        CHECK_THAT(error_of(kerberos_with("kdc = [\"dc2:http\"]\n")), StartsWith("<test>:5: kerberos.kdc[0]: "));
        CHECK_THAT(error_of(kerberos_with("kdc = [\"dc 2\"]\n")), StartsWith("<test>:5: kerberos.kdc[0]: "));
        CHECK_THAT(error_of(kerberos_with("kdc = [\"2001:db8::1\"]\n")), StartsWith("<test>:5: kerberos.kdc[0]: "));
        const auto config = parsed(kerberos_with("kdc = [\"dc1:65535\", \"[::1]\", \"10.0.0.1:1\"]\n"));
        CHECK(values_of(&*config.kerberos, "kdc") == Values{"dc1:65535", "[::1]", "10.0.0.1:1"});
    }
    SECTION("keytab and password_file") {
        CHECK(error_of(kerberos_with("password_file = \"/p\"\n")) ==
              "<test>:5: kerberos.password_file: keytab and password_file are mutually exclusive: keep one");
        CHECK(error_of("[kerberos]\nrealm = \"CORP.EXAMPLE.COM\"\nservice_user = \"svc@CORP.EXAMPLE.COM\"\n") ==
              "<test>:3: kerberos.service_user: needs keytab or password_file to get Kerberos credentials");
        CHECK_THAT(error_of("[kerberos]\nrealm = \"CORP.EXAMPLE.COM\"\nkeytab = \"/k\"\n"),
                   StartsWith("<test>:3: kerberos.keytab: needs service_user"));
        // Without a service account, [kerberos] may still set realm and KDCs.
        CHECK(parsed("[kerberos]\nrealm = \"CORP.EXAMPLE.COM\"\n").kerberos->get("service_user") == nullptr);
    }
    SECTION("allowed_domains") {
        const auto config = parsed(kerberos_with("allowed_domains = [\".Corp.Example.com\", \"EXAMPLE.NET\"]\n"));
        CHECK(values_of(&*config.kerberos, "allowed_domains") == Values{"corp.example.com", "example.net"});
        CHECK_THAT(error_of(kerberos_with("allowed_domains = [\"*.example.com\"]\n")),
                   StartsWith("<test>:5: kerberos.allowed_domains[0]: \"*.example.com\": wildcards are not allowed"));
        CHECK(error_of(kerberos_with("allowed_domains = [\"ok.com\", \"a..b\"]\n")) ==
              "<test>:5: kerberos.allowed_domains[1]: \"a..b\" has an empty label");
        CHECK_THAT(error_of(kerberos_with("allowed_domains = [\"example.com.\"]\n")), Contains("has an empty label"));
        CHECK_THAT(error_of(kerberos_with("allowed_domains = [\".\"]\n")), Contains("has an empty label"));
        CHECK_THAT(error_of(kerberos_with("allowed_domains = [\"exa mple.com\"]\n")), Contains("is not a DNS suffix"));
    }
}

TEST_CASE("[ca.NAME] is validated", "[config]") {
    CHECK(error_of("[ca.x]\ntype = \"generic\"\n") ==
          "<test>:1: ca.x.scep_url: missing: every [ca.NAME] needs the server's SCEP URL");
    CHECK(error_of("[ca.x]\nscep_url = \"ftp://ndes.example.com/\"\n") ==
          "<test>:2: ca.x.scep_url: \"ftp://ndes.example.com/\" is not a valid http or https URL");
    CHECK_THAT(error_of("[ca.x]\nscep_url = \"https:///path\"\n"), Contains("is not a valid http or https URL"));
    CHECK_THAT(error_of("[ca.x]\nscep_url = \"ndes.example.com\"\n"), Contains("is not a valid http or https URL"));
    CHECK(error_of(ca_with("challenge_url = \"mscep_admin/\"\n")) ==
          "<test>:3: ca.x.challenge_url: \"mscep_admin/\" is not a valid http or https URL");
    CHECK(error_of(ca_with("type = \"ndes\"\n")) == "<test>:3: ca.x.type: \"ndes\" is not one of microsoft, generic");
    CHECK(parsed("[ca.x]\nscep_url = \"HTTP://h:8080/scep?x=1\"\n").ca("x")->text("scep_url") ==
          "HTTP://h:8080/scep?x=1");

    SECTION("prefer_kerberos needs [kerberos] with service_user") {
        CHECK(error_of(ca_with("prefer_kerberos = true\n")) ==
              "<test>:3: ca.x.prefer_kerberos: prefer_kerberos = true needs a [kerberos] table with service_user");
        CHECK_THAT(error_of(ca_with("prefer_kerberos = true\n") + "[kerberos]\nrealm = \"CORP.EXAMPLE.COM\"\n"),
                   StartsWith("<test>:3: ca.x.prefer_kerberos: prefer_kerberos = true needs"));
        // [kerberos] may come after the CA in the file.
        CHECK(parsed(ca_with("prefer_kerberos = true\n") + kerberos_with("")).ca("x")->text("prefer_kerberos") ==
              "true");
        CHECK(parsed(ca_with("prefer_kerberos = false\n")).ca("x")->text("prefer_kerberos") == "false");
    }
    SECTION("username and password_file go together") {
        CHECK(error_of(ca_with("username = \"enroll\"\n")) ==
              "<test>:3: ca.x.username: needs password_file (the password for username, never written inline)");
        CHECK(error_of(ca_with("password_file = \"/p\"\n")) ==
              "<test>:3: ca.x.password_file: needs username (the account whose password this is)");
    }
    SECTION("ca_fingerprint must parse") {
        const auto bad = error_of(ca_with("ca_fingerprint = \"sha256:zz\"\n"));
        CHECK_THAT(bad, StartsWith("<test>:3: ca.x.ca_fingerprint: CA fingerprint 'sha256:zz' is not hex"));
        CHECK_THAT(error_of(ca_with("ca_fingerprint = \"sha256:0011\"\n")),
                   StartsWith("<test>:3: ca.x.ca_fingerprint: "));
        CHECK(parsed(ca_with("ca_fingerprint = \"md5:DC60FAA3 5B15E5C8 A8F3D8E1 D3C1B9E2\"\n"))
                  .ca("x")
                  ->text("ca_fingerprint") == "md5:DC60FAA3 5B15E5C8 A8F3D8E1 D3C1B9E2");
    }
    SECTION("timeout is a number of seconds from 0.001 to 86400") {
        const std::string range = " is not a number of seconds from 0.001 to 86400";
        CHECK(error_of(ca_with("timeout = 0\n")) == "<test>:3: ca.x.timeout: \"0\"" + range);
        CHECK(error_of(ca_with("timeout = -1.5\n")) == "<test>:3: ca.x.timeout: \"-1.5\"" + range);
        CHECK(error_of(ca_with("timeout = nan\n")) == "<test>:3: ca.x.timeout: \"nan\"" + range);
        CHECK(error_of(ca_with("timeout = inf\n")) == "<test>:3: ca.x.timeout: \"inf\"" + range);
        // Both would reach libcurl as "no limit": 0.0001 s rounds to 0 ms, 1e300 s overflows.
        // The value as the shortest text that reads back as the same number.
        CHECK(error_of(ca_with("timeout = 0.0001\n")) == "<test>:3: ca.x.timeout: \"0.0001\"" + range);
        CHECK(error_of(ca_with("timeout = 1e-30\n")) == "<test>:3: ca.x.timeout: \"1e-30\"" + range);
        CHECK(error_of(ca_with("timeout = 1e300\n")) == "<test>:3: ca.x.timeout: \"1e+300\"" + range);
        CHECK(error_of(ca_with("timeout = 86401\n")) == "<test>:3: ca.x.timeout: \"86401\"" + range);
        CHECK(parsed(ca_with("timeout = 0.25\n")).ca("x")->text("timeout") == "0.25");
        CHECK(parsed(ca_with("timeout = 0.001\n")).ca("x")->text("timeout") == "0.001");
        CHECK(parsed(ca_with("timeout = 86400\n")).ca("x")->text("timeout") == "86400");
    }
}

TEST_CASE("[profile.NAME] is validated", "[config]") {
    SECTION("ca must name a defined [ca.NAME]") {
        CHECK(error_of("[profile.p]\nkey_size = 2048\n") ==
              "<test>:1: profile.p.ca: missing: name the [ca.NAME] this profile enrolls with (no [ca.NAME] table is "
              "defined)");
        CHECK(error_of(ca_with("") + "[ca.y]\nscep_url = \"https://y/\"\n[profile.p]\nca = \"z\"\n") ==
              "<test>:6: profile.p.ca: there is no [ca.z] table (defined: x, y)");
        // The CA may come after the profile in the file.
        CHECK(parsed("[profile.p]\nca = \"x\"\n" + ca_with("")).profile("p")->text("ca") == "x");
    }
    SECTION("enumerations and ranges") {
        CHECK(error_of(profile_with("key_size = 1024\n")) ==
              "<test>:6: profile.p.key_size: \"1024\" is not 2048, 3072 or 4096");
        CHECK_THAT(error_of(profile_with("key_size = 99999999999\n")), StartsWith("<test>:6: profile.p.key_size: "));
        CHECK(error_of(profile_with("key_usage = \"sign\"\n")) ==
              "<test>:6: profile.p.key_usage: \"sign\" is not one of signature, encryption, both");
        CHECK(error_of(profile_with("cipher = \"des\"\n")) ==
              "<test>:6: profile.p.cipher: \"des\" is not one of aes128, aes256, des3");
        CHECK(error_of(profile_with("digest = \"md5\"\n")) ==
              "<test>:6: profile.p.digest: \"md5\" is not one of sha256, sha512, sha1");
        CHECK(error_of(profile_with("method = \"put\"\n")) ==
              "<test>:6: profile.p.method: \"put\" is not one of auto, get, post");
        CHECK(error_of(profile_with("max_polls = -1\n")) ==
              "<test>:6: profile.p.max_polls: \"-1\" is not a whole number of 0 or more");
        CHECK(error_of(profile_with("poll_interval = 0\n")) ==
              "<test>:6: profile.p.poll_interval: \"0\" is not a whole number of 1 or more");
        CHECK(error_of(profile_with("poll_timeout = 0\n")) ==
              "<test>:6: profile.p.poll_timeout: \"0\" is not a whole number of 1 or more");
    }
    SECTION("allowed_digests") {
        CHECK(error_of(profile_with("allowed_digests = [\"sha256\", \"md5\"]\n")) ==
              "<test>:6: profile.p.allowed_digests[1]: \"md5\" is not one of sha256, sha512, sha1");
        CHECK_THAT(error_of(profile_with("allowed_digests = []\n")),
                   StartsWith("<test>:6: profile.p.allowed_digests: must name at least one"));
        CHECK(error_of(profile_with("allowed_digests = [\"sha256\", \"sha512\"]\ndigest = \"sha1\"\n")) ==
              "<test>:7: profile.p.digest: \"sha1\" is not in allowed_digests (sha256, sha512)");
        CHECK(parsed(profile_with("digest = \"sha1\"\nallowed_digests = [\"sha1\"]\n")).profile("p")->text("digest") ==
              "sha1");
    }
    SECTION("subject, san and eku are checked as the enroll options are") {
        CHECK_THAT(error_of(profile_with("subject = \"CN=${fqdn\"\n")), StartsWith("<test>:6: profile.p.subject: "));
        CHECK_THAT(error_of(profile_with("subject = \"not a dn\"\n")), StartsWith("<test>:6: profile.p.subject: "));
        CHECK(parsed(profile_with("subject = \"CN=${userEmailAddress},O=Example\\\\, Inc.\"\n"))
                  .profile("p")
                  ->text("subject") == "CN=${userEmailAddress},O=Example\\, Inc.");
        CHECK_THAT(error_of(profile_with("san = [\"dns:ok.example.com\", \"mail:a@b\"]\n")),
                   StartsWith("<test>:6: profile.p.san[1]: "));
        CHECK(values_of(parsed(profile_with("san = [\"dns:${fqdn}\", \"ip:${addr}\", \"email:${user}@example.com\"]\n"))
                            .profile("p"),
                        "san")
                  .size() == 3);
        CHECK_THAT(error_of(profile_with("san = [\"dns:${fqdn\"]\n")), StartsWith("<test>:6: profile.p.san[0]: "));
        CHECK_THAT(error_of(profile_with("eku = [\"clientAuth\", \"notAnEku\"]\n")),
                   StartsWith("<test>:6: profile.p.eku[1]: unknown extended key usage \"notAnEku\""));
    }
}

TEST_CASE("all problems are reported, the first in file order as the message", "[config]") {
    const auto result =
        parse_config("[profile.p]\nca = \"x\"\nkey_size = 1\n\n[ca.x]\nscep_url = \"ftp://x/\"\n", "<test>");
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::config);
    CHECK_THAT(result.error().message, StartsWith("<test>:3: profile.p.key_size: "));
    REQUIRE(result.error().details.size() == 1);
    CHECK_THAT(result.error().details[0], StartsWith("<test>:6: ca.x.scep_url: "));
}

TEST_CASE("relative paths are resolved against the config file's directory", "[config]") {
    const std::string text = "[kerberos]\nrealm = \"R.COM\"\nservice_user = \"s@R.COM\"\nkeytab = \"svc.keytab\"\n" +
                             ca_with("tls_ca_file = \"../certs/./ca.pem\"\n") + "[profile.p]\nca = \"x\"\n" +
                             "out_dir = \"out\"\nkey_out = \"/abs/key.pem\"\ncert_out = \"~/cert.pem\"\n"
                             "chain_out = \"./chain.pem\"\n";
    EnvGuard home("HOME");
    home.set("/home/tester");

    const auto config = parsed(text, "/etc/scepctl/config.toml");
    CHECK(config.kerberos->text("keytab") == "/etc/scepctl/svc.keytab");
    CHECK(config.ca("x")->text("tls_ca_file") == "/etc/certs/ca.pem");
    const auto* p = config.profile("p");
    CHECK(p->text("out_dir") == "/etc/scepctl/out");
    CHECK(p->text("key_out") == "/abs/key.pem");
    CHECK(p->text("cert_out") == "/home/tester/cert.pem");
    CHECK(p->text("chain_out") == "/etc/scepctl/chain.pem");
    // Only paths: a text value that looks like one is left alone.
    CHECK(parsed(ca_with("message = \"./x\"\n"), "/etc/scepctl/config.toml").ca("x")->text("message") == "./x");

    CHECK(parsed(text, "conf/scepctl.toml").kerberos->text("keytab") == "conf/svc.keytab");
    // Text without a directory (tests, stdin) keeps relative paths as they are.
    CHECK(parsed(text, "config.toml").kerberos->text("keytab") == "svc.keytab");
    CHECK(parsed(text, "<test>").profile("p")->text("out_dir") == "out");

    CHECK_THAT(error_of(profile_with("out_dir = \"~alice/x\"\n")),
               StartsWith("<test>:6: profile.p.out_dir: ~user paths are not supported"));
    home.unset();
    CHECK_THAT(error_of(profile_with("out_dir = \"~/x\"\n")),
               StartsWith("<test>:6: profile.p.out_dir: \"~/x\" starts with ~ but $HOME is not set"));
}

TEST_CASE("load_config names the real path; files the config names are not opened", "[config][secrets]") {
    test::TempDir dir;
    const auto password = dir.path / "enroll.pass";
    // Neither the keytab nor the password file exists: only a subcommand that uses one checks it
    // (config/settings), so that getcacaps with this profile works (issue 17).
    const std::string text = "[kerberos]\nrealm = \"R.COM\"\nservice_user = \"s@R.COM\"\nkeytab = \"svc.keytab\"\n\n"
                             "[ca.x]\nscep_url = \"https://h/\"\nusername = \"u\"\npassword_file = \"enroll.pass\"\n";
    const auto path = (dir.path / "config.toml").string();
    write_file(path, text, 0644);

    auto config = load_config(path);
    REQUIRE(config);
    CHECK(config->path == path);
    CHECK(config->kerberos->text("keytab") == (dir.path / "svc.keytab").string());
    CHECK(config->ca("x")->text("password_file") == password.string());
    CHECK(config->ca("x")->get("password_file")->line == 9);

    // Errors from parsing name the real path.
    write_file(path, "[ca.x]\nscep_url = 1\n", 0644);
    config = load_config(path);
    REQUIRE_FALSE(config);
    CHECK(config.error().code == ErrorCode::config);
    CHECK_THAT(config.error().message, StartsWith(path + ":2: ca.x.scep_url: expected a string"));
}

TEST_CASE("load_config reports unreadable config files", "[config]") {
    test::TempDir dir;
    const auto missing = (dir.path / "nope.toml").string();
    auto config = load_config(missing);
    REQUIRE_FALSE(config);
    CHECK(config.error().code == ErrorCode::config);
    CHECK(config.error().message == "cannot read config file " + missing + ": No such file or directory");

    config = load_config(dir.path.string());
    REQUIRE_FALSE(config);
    CHECK(config.error().code == ErrorCode::config);
    CHECK(config.error().message == "cannot read config file " + dir.path.string() + ": Is a directory");

    const auto big = dir.path / "big.toml";
    write_file(big, "# " + std::string(1024 * 1024, 'x') + "\n", 0644);
    config = load_config(big.string());
    REQUIRE_FALSE(config);
    CHECK(config.error().message == "cannot read config file " + big.string() + ": larger than 1 MiB");
}

TEST_CASE("find_config_file: --config, then SCEPCTL_CONFIG, then ~/.config, then /etc", "[config]") {
    using config::find_config_file;
    test::TempDir dir;
    EnvGuard env("SCEPCTL_CONFIG");
    EnvGuard home("HOME");
    const auto explicit_file = (dir.path / "explicit.toml").string();
    const auto env_file = (dir.path / "env.toml").string();
    const auto user_file = (dir.path / "home/.config/scepctl/config.toml").string();
    write_file(explicit_file, "", 0644);
    write_file(env_file, "", 0644);
    write_file(user_file, "", 0644);
    env.set(env_file);
    home.set((dir.path / "home").string());

    auto found = find_config_file(explicit_file);
    REQUIRE(found);
    CHECK(*found == std::optional<std::string>(explicit_file));

    found = find_config_file("");
    REQUIRE(found);
    CHECK(*found == std::optional<std::string>(env_file));

    env.set("");
    found = find_config_file("");
    REQUIRE(found);
    CHECK(*found == std::optional<std::string>(user_file));

    env.unset();
    std::filesystem::remove(user_file);
    found = find_config_file("");
    REQUIRE(found);
    // Only the system-wide file can be left; this machine may or may not have one.
    if (std::filesystem::exists("/etc/scepctl/config.toml")) {
        CHECK(*found == std::optional<std::string>("/etc/scepctl/config.toml"));
    } else {
        CHECK_FALSE(found->has_value());
    }

    // A path the user named must exist.
    const auto missing = (dir.path / "missing.toml").string();
    found = find_config_file(missing);
    REQUIRE_FALSE(found);
    CHECK(found.error().code == ErrorCode::config);
    CHECK(found.error().message == "config file " + missing + " (from --config) does not exist");
    env.set(missing);
    found = find_config_file("");
    REQUIRE_FALSE(found);
    CHECK(found.error().message == "config file " + missing + " (from SCEPCTL_CONFIG) does not exist");
    // --config wins over a broken SCEPCTL_CONFIG.
    found = find_config_file(explicit_file);
    REQUIRE(found);
    CHECK(*found == std::optional<std::string>(explicit_file));
}

TEST_CASE("the example configs load", "[config][examples]") {
    const std::string examples = SCEPCTL_EXAMPLES;
    SECTION("ndes-kerberos.toml") {
        const auto path = examples + "/ndes-kerberos.toml";
        auto loaded = load_config(path);
        if (!loaded) FAIL(loaded.error().message);
        const config::Config& config = *loaded;
        CHECK(config.path == path);
        REQUIRE(config.kerberos);
        CHECK(config.kerberos->text("realm") == "CORP.EXAMPLE.COM");
        CHECK(config.kerberos->text("keytab") == "/etc/scepctl/svc-scep.keytab");
        CHECK(values_of(&*config.kerberos, "allowed_domains") == Values{"corp.example.com"});
        const auto* ndes = config.ca("ndes");
        REQUIRE(ndes != nullptr);
        CHECK(ndes->text("type") == "microsoft");
        CHECK(ndes->text("prefer_kerberos") == "true");
        CHECK_THAT(ndes->text("scep_url").value_or(""), Contains("/certsrv/mscep/mscep.dll"));
        CHECK_THAT(ndes->text("challenge_url").value_or(""), Contains("/certsrv/mscep_admin/"));
        CHECK(config.profiles.size() == 2);
        REQUIRE(config.profile("device") != nullptr);
        REQUIRE(config.profile("user") != nullptr);
        CHECK(config.profile("device")->text("subject") == "CN=${fqdn},OU=Servers,O=Example Corp");
        CHECK(config.profile("device")->text("key_size") == "3072");
        CHECK(config.profile("user")->text("subject") == "CN=${userEmailAddress}");
    }
    SECTION("generic.toml") {
        const auto path = examples + "/generic.toml";
        const auto config = parsed(read_file(path), path);
        CHECK_FALSE(config.kerberos);
        const auto* corp = config.ca("corp");
        REQUIRE(corp != nullptr);
        CHECK(corp->text("type") == "generic");
        CHECK_FALSE(corp->text("challenge_url"));
        CHECK_FALSE(corp->text("prefer_kerberos"));
        CHECK(corp->text("tls_ca_file") == examples + "/pki-tls-ca.pem");
        CHECK(corp->text("timeout") == "20.5");
        CHECK(config.profiles.size() == 1);
        REQUIRE(config.profile("vpn") != nullptr);
        CHECK(config.profile("vpn")->text("ca") == "corp");
    }
    SECTION("tpm2.toml") {
        const auto path = examples + "/tpm2.toml";
        const auto config = parsed(read_file(path), path);
        const auto* device = config.profile("device");
        REQUIRE(device != nullptr);
        CHECK(device->text("key_store") == "tpm2");
        CHECK(device->text("tpm2_tcti") == "device:/dev/tpmrm0");
        CHECK(device->text("key_out") == "/etc/scepctl/device/key.tpm2.pem");
    }
}

TEST_CASE("a profile's key may be in the TPM or on a token: never resolved as a path", "[config][key_store]") {
    const std::string base = "[ca.x]\nscep_url = \"https://h/\"\n[profile.p]\nca = \"x\"\n";
    const auto config =
        parsed(base + "key_store = \"tpm2\"\nkey_out = \"pkcs11:token=device;object=k\"\n", "/etc/scepctl/config.toml");
    const auto* profile = config.profile("p");
    REQUIRE(profile != nullptr);
    CHECK(profile->text("key_store") == "tpm2");
    CHECK(profile->text("key_out") == "pkcs11:token=device;object=k");
    CHECK(
        parsed(base + "key_out = \"handle:0x81000001\"\n", "/etc/scepctl/config.toml").profile("p")->text("key_out") ==
        "handle:0x81000001");
    CHECK(parsed(base + "key_out = \"keys/k.pem\"\n", "/etc/scepctl/config.toml").profile("p")->text("key_out") ==
          "/etc/scepctl/keys/k.pem");
    CHECK_THAT(error_of(base + "key_store = \"hsm\"\n"), Contains("key_store"));
    CHECK_THAT(error_of(base + "key_out = \"handle:0x80000001\"\n"), Contains("not a persistent TPM handle"));
}
