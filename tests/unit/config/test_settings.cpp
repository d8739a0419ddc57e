// config/settings: typed settings from the resolved options.
#include <fstream>
#include <memory>

#include <catch2/catch.hpp>

#include "config/settings.hpp"
#include "test_support.hpp"

TEST_CASE("the renewal asks for the key usage the certificate has", "[renewal]") {
    scep::KeyUsage usage;
    CHECK(config::to_string(config::key_usage_of(usage)) == "both"); // no extension
    usage.present = true;
    usage.digital_signature = true;
    CHECK(config::to_string(config::key_usage_of(usage)) == "signature");
    usage.key_encipherment = true;
    CHECK(config::to_string(config::key_usage_of(usage)) == "both");
    usage.digital_signature = false;
    CHECK(config::to_string(config::key_usage_of(usage)) == "encryption");
    usage.key_encipherment = false;
    usage.key_cert_sign = true;
    CHECK(config::to_string(config::key_usage_of(usage)) == "both"); // neither bit: let the CA decide
}

// The builders read resolved options: these tests resolve a command line and a file as the
// subcommands do, then check what each builder makes of them.
namespace {

using config::Command;
using config::CommandLine;
using util::ErrorCode;

config::Environment no_environment() {
    return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

config::Options resolved(Command command, const CommandLine& line) {
    auto options = config::resolve(command, line, no_environment());
    if (!options) FAIL(options.error().message);
    return std::move(options).value();
}

// Files the settings name; the ones a test needs exist.
struct Files {
    test::TempDir dir;
    std::string config;
    std::string path(const std::string& name) const { return (dir.path / name).string(); }
    void create(const std::string& name) const { std::ofstream(dir.path / name) << "x\n"; }
};

constexpr const char* k_config = R"([kerberos]
realm = "CORP.EXAMPLE.COM"
kdc = ["dc1.corp.example.com:88"]
service_user = "svc@CORP.EXAMPLE.COM"
keytab = "svc.keytab"
allowed_domains = ["corp.example.com"]

[ca.ndes]
scep_url = "https://ndes.corp.example.com/certsrv/mscep/mscep.dll"
challenge_url = "https://ndes.corp.example.com/certsrv/mscep_admin/"
prefer_kerberos = true
ca_fingerprint = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
tls_ca_file = "tls-ca.pem"
timeout = 2.5
message = "ca-1"

[ca.ntlm]
scep_url = "http://ndes.corp.example.com/certsrv/mscep/mscep.dll"
challenge_url = "http://ndes.corp.example.com/certsrv/mscep_admin/"
username = "CORP\\enroll"
password_file = "enroll.pass"

[profile.p]
ca = "ndes"
subject = "CN=${who},O=Example"
san = ["dns:p.example.com", "ip:192.0.2.7"]
key_size = 3072
key_usage = "signature"
eku = ["clientAuth", "serverAuth"]
cipher = "aes256"
digest = "sha512"
allowed_digests = ["sha256", "sha512"]
max_polls = 4
poll_interval = 7
poll_timeout = 99
method = "post"

[profile.n]
ca = "ntlm"
)";

std::unique_ptr<Files> files() {
    auto f = std::make_unique<Files>();
    f->config = f->path("scepctl.toml");
    std::ofstream(f->config) << k_config;
    return f;
}

} // namespace

TEST_CASE("request_settings: the profile's request, for enroll and check-ndes alike", "[settings]") {
    const auto f = files();
    for (const Command command : {Command::enroll, Command::check_ndes}) {
        INFO(config::name_of(command));
        const auto options = resolved(command, {{"config", {f->config}}, {"profile", {"p"}}, {"var", {"who=a, b"}}});
        const auto variables = config::template_variables(options, no_environment());
        REQUIRE(variables);
        const auto request = config::request_settings(options, *variables);
        if (!request) FAIL(request.error().message);
        // A variable's value is escaped for the DN: "a, b" stays one CN.
        REQUIRE(request->subject);
        REQUIRE(request->subject->rdns.size() == 2);
        CHECK(request->subject->rdns[0].at(0).type == "CN");
        CHECK(request->subject->rdns[0].at(0).value == "a, b");
        CHECK(request->subject->rdns[1].at(0).value == "Example");
        REQUIRE(request->sans);
        REQUIRE(request->sans->size() == 2);
        CHECK((*request->sans)[0].kind == scep::SubjectAltName::Kind::dns);
        CHECK((*request->sans)[0].value == "p.example.com");
        CHECK((*request->sans)[1].kind == scep::SubjectAltName::Kind::ip);
        CHECK(request->key_size == 3072);
        CHECK(request->key_usage == config::KeyUsage::signature);
        CHECK(request->ekus == std::optional<std::vector<std::string>>({"clientAuth", "serverAuth"}));
        CHECK(request->algorithms.cipher == scep::ContentCipher::aes256_cbc);
        CHECK(request->algorithms.digest == scep::MessageDigest::sha512);
        CHECK(request->algorithms.allowed_digests ==
              std::vector<scep::MessageDigest>{scep::MessageDigest::sha256, scep::MessageDigest::sha512});
        CHECK_FALSE(request->algorithms.force);
        CHECK(request->method == scep::HttpMethod::post);
    }
    // Polling is enroll's and renew's.
    const auto options = resolved(Command::enroll, {{"config", {f->config}}, {"profile", {"p"}}, {"var", {"who=x"}}});
    const auto request = config::request_settings(options, *config::template_variables(options, no_environment()));
    REQUIRE(request);
    CHECK(request->poll.interval == std::chrono::seconds(7));
    CHECK(request->poll.max_polls == 4);
    CHECK(request->poll.deadline == std::chrono::seconds(99));
}

TEST_CASE("request_settings: flags and defaults", "[settings]") {
    SECTION("enroll without a profile: the built-in defaults") {
        const auto options = resolved(Command::enroll, {{"var", {"fqdn=host.example.com"}}});
        const auto request = config::request_settings(options, *config::template_variables(options, no_environment()));
        REQUIRE(request);
        REQUIRE(request->subject);
        REQUIRE(request->subject->rdns.size() == 1);
        CHECK(request->subject->rdns[0].at(0).value == "host.example.com"); // CN=${fqdn}
        CHECK_FALSE(request->sans);
        CHECK(request->key_size == 2048);
        CHECK(request->key_usage == config::KeyUsage::both);
        CHECK_FALSE(request->ekus);
        CHECK_FALSE(request->algorithms.cipher);
        CHECK_FALSE(request->algorithms.digest);
        CHECK(request->algorithms.allowed_digests.empty());
        CHECK(request->method == scep::HttpMethod::automatic);
        CHECK(request->poll.interval == std::chrono::seconds(10));
        CHECK(request->poll.max_polls == 30);
        CHECK(request->poll.deadline == std::chrono::seconds(3600));
    }
    SECTION("renew without flags keeps the certificate's: nothing is set") {
        const auto options = resolved(Command::renew, {});
        const auto request = config::request_settings(options, *config::template_variables(options, no_environment()));
        REQUIRE(request);
        CHECK_FALSE(request->subject);
        CHECK_FALSE(request->sans);
        CHECK_FALSE(request->key_size);
        CHECK_FALSE(request->key_usage);
        CHECK_FALSE(request->ekus);
    }
    SECTION("flags") {
        const auto options = resolved(Command::renew, {{"key-usage", {"encryption"}},
                                                       {"eku", {"1.3.6.1.5.5.7.3.2"}},
                                                       {"cipher", {"des3"}},
                                                       {"digest", {"sha1"}},
                                                       {"force-alg", {"true"}},
                                                       {"method", {"get"}},
                                                       {"max-polls", {"0"}}});
        const auto request = config::request_settings(options, *config::template_variables(options, no_environment()));
        REQUIRE(request);
        CHECK(request->key_usage == config::KeyUsage::encryption);
        CHECK(request->ekus == std::optional<std::vector<std::string>>({"1.3.6.1.5.5.7.3.2"}));
        CHECK(request->algorithms.cipher == scep::ContentCipher::des3_cbc);
        CHECK(request->algorithms.digest == scep::MessageDigest::sha1);
        CHECK(request->algorithms.force);
        CHECK(request->method == scep::HttpMethod::get);
        CHECK(request->poll.max_polls == 0);
    }
    SECTION("an unknown variable names where the template was written") {
        const auto f = files();
        auto options = resolved(Command::enroll, {{"config", {f->config}}, {"profile", {"p"}}});
        auto request = config::request_settings(options, *config::template_variables(options, no_environment()));
        REQUIRE_FALSE(request);
        CHECK_THAT(request.error().message, Catch::Matchers::StartsWith(f->config + ":25: profile.p.subject: "));
        CHECK_THAT(request.error().message, Catch::Matchers::Contains("who"));
        options = resolved(Command::enroll, {{"san", {"dns:${nope}.example.com"}}, {"var", {"fqdn=h"}}});
        request = config::request_settings(options, *config::template_variables(options, no_environment()));
        REQUIRE_FALSE(request);
        CHECK(request.error().code == ErrorCode::usage);
        CHECK_THAT(request.error().message, Catch::Matchers::StartsWith("--san: "));
    }
}

TEST_CASE("server_settings: URL, pin and transport from the CA or the flags", "[settings]") {
    const auto f = files();
    auto options = resolved(Command::getcacert, {{"config", {f->config}}, {"profile", {"p"}}});
    auto server = config::server_settings(options);
    REQUIRE(server);
    CHECK(server->url == "https://ndes.corp.example.com/certsrv/mscep/mscep.dll");
    CHECK(server->message == "ca-1");
    REQUIRE(server->pin);
    CHECK(server->pin->to_string() == "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    CHECK(server->transport.ca_file == f->path("tls-ca.pem"));
    CHECK(server->transport.timeout_ms == 2500);
    CHECK_FALSE(server->transport.insecure);
    CHECK_FALSE(server->transport.proxy);

    options = resolved(Command::getcacaps, {{"url", {"http://127.0.0.1:8080/scep"}},
                                            {"timeout", {"0.001"}},
                                            {"insecure", {"true"}},
                                            {"proxy", {"http://proxy:3128"}}});
    server = config::server_settings(options);
    REQUIRE(server);
    CHECK(server->url == "http://127.0.0.1:8080/scep");
    CHECK(server->message.empty());
    CHECK_FALSE(server->pin);
    CHECK(server->transport.timeout_ms == 1);
    CHECK(server->transport.insecure);
    CHECK(server->transport.proxy == "http://proxy:3128");
    CHECK(server->transport.ca_file.empty());
    CHECK(config::transport_settings(resolved(Command::check_kerberos, {})).timeout_ms == 60000);

    server = config::server_settings(resolved(Command::getcacaps, {}));
    REQUIRE_FALSE(server);
    CHECK(server.error().code == ErrorCode::usage);
    CHECK(server.error().message == "no SCEP URL: pass --url URL or --profile NAME");
}

TEST_CASE("server_settings: --ca-cert-pin pins the certificate's SHA-256, and the stronger source wins", "[settings]") {
    const auto f = files();
    const std::string ca_pem = test::data_path("openssl/ca.pem");
    const std::string ca_sha256 = test::fingerprint_of("ca.pem", "sha256");
    // The flag over the file's ca_fingerprint.
    auto server = config::server_settings(
        resolved(Command::getcacert, {{"config", {f->config}}, {"profile", {"p"}}, {"ca-cert-pin", {ca_pem}}}));
    REQUIRE(server);
    REQUIRE(server->pin);
    CHECK(server->pin->to_string() == "sha256:" + ca_sha256);
    // DER works too; a --ca-fingerprint flag wins over nothing else here.
    server =
        config::server_settings(resolved(Command::getcacert, {{"url", {"http://127.0.0.1/scep"}},
                                                              {"ca-cert-pin", {test::data_path("openssl/ca.der")}}}));
    REQUIRE(server);
    CHECK(server->pin->to_string() == "sha256:" + ca_sha256);
    // Both on the command line: refused (CLI11 refuses it first; resolve's caller may not).
    server = config::server_settings(resolved(
        Command::getcacert,
        {{"url", {"http://127.0.0.1/scep"}}, {"ca-cert-pin", {ca_pem}}, {"ca-fingerprint", {"sha256:" + ca_sha256}}}));
    REQUIRE_FALSE(server);
    CHECK(server.error().message.find("both pin the CA") != std::string::npos);
    // A file that holds no certificate names itself.
    server = config::server_settings(
        resolved(Command::getcacert, {{"url", {"http://127.0.0.1/scep"}}, {"ca-cert-pin", {f->config}}}));
    REQUIRE_FALSE(server);
    CHECK(server.error().message.find("holds no certificate") != std::string::npos);
}

TEST_CASE("request_settings: --validity is parsed into the request", "[settings]") {
    const scep::VariableLookup any = [](std::string_view) -> std::optional<std::string> { return "host"; };
    auto request = config::request_settings(resolved(Command::enroll, {{"validity", {"90d"}}}), any);
    if (!request) FAIL(request.error().text());
    REQUIRE(request);
    REQUIRE(request->validity);
    CHECK(scep::to_string(*request->validity) == "90d");
    request = config::request_settings(resolved(Command::enroll, {}), any);
    REQUIRE(request);
    CHECK_FALSE(request->validity);
}

TEST_CASE("kerberos_plan: the service user and where its key comes from", "[settings]") {
    const auto f = files();
    SECTION("the file's keytab, checked only now") {
        const auto options = resolved(Command::getchallenge, {{"config", {f->config}}, {"profile", {"p"}}});
        auto plan = config::kerberos_plan(options);
        REQUIRE_FALSE(plan);
        CHECK(plan.error().code == ErrorCode::config);
        CHECK(plan.error().message ==
              f->config + ":5: kerberos.keytab: secret file " + f->path("svc.keytab") + " does not exist");
        f->create("svc.keytab");
        plan = config::kerberos_plan(options);
        REQUIRE(plan);
        CHECK(plan->settings.realm == "CORP.EXAMPLE.COM");
        CHECK(plan->settings.kdcs == std::vector<std::string>{"dc1.corp.example.com:88"});
        CHECK(plan->settings.principal == "svc@CORP.EXAMPLE.COM");
        CHECK(plan->settings.keytab == f->path("svc.keytab"));
        CHECK(plan->settings.allowed_domains == std::vector<std::string>{"corp.example.com"});
        CHECK_FALSE(plan->settings.use_ccache);
        CHECK_FALSE(plan->settings.password);
        CHECK(plan->password_file.empty());
        CHECK(plan->keytab_origin == "[kerberos] keytab");
    }
    SECTION("a FILE: keytab is checked as the file it names; other keytab types are left to Kerberos") {
        f->create("svc.keytab");
        auto plan = config::kerberos_plan(
            resolved(Command::getchallenge,
                     {{"config", {f->config}}, {"profile", {"p"}}, {"keytab", {"FILE:" + f->path("svc.keytab")}}}));
        REQUIRE(plan);
        CHECK(plan->settings.keytab == "FILE:" + f->path("svc.keytab"));
        plan = config::kerberos_plan(
            resolved(Command::getchallenge,
                     {{"config", {f->config}}, {"profile", {"p"}}, {"keytab", {"FILE:" + f->path("missing.keytab")}}}));
        REQUIRE_FALSE(plan);
        CHECK(plan.error().message == "--keytab: secret file " + f->path("missing.keytab") + " does not exist");
        plan = config::kerberos_plan(
            resolved(Command::getchallenge, {{"config", {f->config}}, {"profile", {"p"}}, {"keytab", {"MEMORY:svc"}}}));
        CHECK(plan);
    }
    SECTION("--password-file replaces the file's keytab") {
        f->create("svc.pass");
        const auto options =
            resolved(Command::getchallenge,
                     {{"config", {f->config}}, {"profile", {"p"}}, {"password-file", {f->path("svc.pass")}}});
        const auto plan = config::kerberos_plan(options);
        if (!plan) FAIL(plan.error().message);
        CHECK(plan->settings.keytab.empty());
        CHECK(plan->password_file == f->path("svc.pass"));
        CHECK(plan->password_origin == "--password-file");
    }
    SECTION("a flag's missing file is a usage error naming the flag") {
        const auto options =
            resolved(Command::check_kerberos, {{"service-user", {"u@R.COM"}}, {"keytab", {f->path("none")}}});
        const auto plan = config::kerberos_plan(options);
        REQUIRE_FALSE(plan);
        CHECK(plan.error().code == ErrorCode::usage);
        CHECK(plan.error().message == "--keytab: secret file " + f->path("none") + " does not exist");
        const auto directory = config::kerberos_plan(
            resolved(Command::check_kerberos, {{"service-user", {"u@R.COM"}}, {"keytab", {f->dir.path.string()}}}));
        REQUIRE_FALSE(directory);
        CHECK(directory.error().message == "--keytab: " + f->dir.path.string() + " is a directory");
    }
    SECTION("the realm of the service user when none is given") {
        f->create("k");
        const auto plan = config::kerberos_plan(
            resolved(Command::check_kerberos, {{"service-user", {"u@R.EXAMPLE"}}, {"keytab", {f->path("k")}}}));
        REQUIRE(plan);
        CHECK(plan->settings.realm == "R.EXAMPLE");
        CHECK(plan->keytab_origin == "--keytab");
    }
    SECTION("--keytab and --password-file exclude each other") {
        f->create("k");
        const auto plan = config::kerberos_plan(
            resolved(Command::getchallenge,
                     {{"service-user", {"u@R.COM"}}, {"keytab", {f->path("k")}}, {"password-file", {f->path("k")}}}));
        REQUIRE_FALSE(plan);
        CHECK(plan.error().code == ErrorCode::usage);
        CHECK(plan.error().message == "--keytab and --password-file exclude each other");
    }
    SECTION("no service user, or no key for it") {
        auto plan = config::kerberos_plan(resolved(Command::getchallenge, {}));
        REQUIRE_FALSE(plan);
        CHECK(plan.error().code == ErrorCode::config);
        CHECK_THAT(plan.error().message, Catch::Matchers::StartsWith("Kerberos is preferred but no service user"));
        plan = config::kerberos_plan(resolved(Command::getchallenge, {{"service-user", {"u@R.COM"}}}));
        REQUIRE_FALSE(plan);
        CHECK(plan.error().code == ErrorCode::config);
        CHECK_THAT(plan.error().message, Catch::Matchers::StartsWith("no keytab or password file for the service user "
                                                                     "u@R.COM"));
        // --use-ccache needs neither.
        plan = config::kerberos_plan(resolved(Command::getchallenge, {{"use-ccache", {"true"}}}));
        REQUIRE(plan);
        CHECK(plan->settings.use_ccache);
        CHECK(plan->settings.keytab.empty());
    }
}

TEST_CASE("challenge_plan: where the challenge comes from", "[settings]") {
    const auto f = files();
    SECTION("without an admin page no Kerberos is asked for") {
        const auto plan = config::challenge_plan(resolved(
            Command::enroll, {{"challenge-file", {f->path("c")}}, {"kerberos", {"true"}}, {"challenge", {"-"}}}));
        REQUIRE(plan);
        CHECK(plan->challenge_file == f->path("c"));
        CHECK(plan->literal == "-");
        CHECK(plan->admin_url.empty());
        CHECK_FALSE(plan->kerberos);
    }
    SECTION("the CA's admin page with Kerberos preferred, for renew as for enroll (issue 17)") {
        f->create("svc.keytab");
        for (const Command command : {Command::enroll, Command::renew, Command::getchallenge, Command::check_ndes}) {
            INFO(config::name_of(command));
            const auto plan = config::challenge_plan(resolved(command, {{"config", {f->config}}, {"profile", {"p"}}}));
            if (!plan) FAIL(plan.error().message);
            CHECK(plan->admin_url == "https://ndes.corp.example.com/certsrv/mscep_admin/");
            REQUIRE(plan->kerberos);
            CHECK(plan->kerberos->settings.keytab == f->path("svc.keytab"));
            CHECK(plan->username.empty());
        }
    }
    SECTION("NTLM with the CA's user and password file") {
        const CommandLine line{{"config", {f->config}}, {"profile", {"n"}}};
        auto plan = config::challenge_plan(resolved(Command::getchallenge, line));
        REQUIRE_FALSE(plan);
        CHECK(plan.error().code == ErrorCode::config);
        CHECK(plan.error().message ==
              f->config + ":21: ca.ntlm.password_file: secret file " + f->path("enroll.pass") + " does not exist");
        f->create("enroll.pass");
        plan = config::challenge_plan(resolved(Command::getchallenge, line));
        REQUIRE(plan);
        CHECK(plan->admin_url == "http://ndes.corp.example.com/certsrv/mscep_admin/");
        CHECK_FALSE(plan->kerberos);
        CHECK(plan->username == "CORP\\enroll");
        CHECK(plan->user_password_file == f->path("enroll.pass"));
        CHECK(plan->user_password_origin == "[ca] password_file");
        CHECK_FALSE(plan->allow_insecure_auth);
        plan = config::challenge_plan(
            resolved(Command::getchallenge, {{"challenge-url", {"https://h/certsrv/mscep_admin/"}},
                                             {"username", {"u"}},
                                             {"allow-insecure-auth", {"true"}},
                                             {"user-password-file", {f->path("enroll.pass")}}}));
        REQUIRE(plan);
        CHECK(plan->user_password_origin == "--user-password-file");
        CHECK(plan->allow_insecure_auth);
    }
    SECTION("--username without a password file") {
        const auto plan = config::challenge_plan(resolved(
            Command::getchallenge, {{"challenge-url", {"https://h/certsrv/mscep_admin/"}}, {"username", {"u"}}}));
        REQUIRE_FALSE(plan);
        CHECK(plan.error().code == ErrorCode::config);
        CHECK_THAT(plan.error().message, Catch::Matchers::StartsWith("--username u needs a password file"));
    }
}
