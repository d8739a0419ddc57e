// config/options and config/resolve: the option table is consistent, and resolution gives every
// subcommand the same meaning for a profile key: command line > environment > file (the profile,
// its CA, [kerberos]) > built-in default.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "config/options.hpp"
#include "config/resolve.hpp"
#include "config/settings.hpp"
#include "test_support.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using config::Command;
using config::CommandLine;
using config::Kind;
using config::OptionSpec;
using config::Origin;
using config::Table;
using util::ErrorCode;

namespace {

using Values = std::vector<std::string>;

// An environment the test controls: only what it names is set.
config::Environment environment_of(std::map<std::string, std::string, std::less<>> variables = {}) {
    return [variables](std::string_view name) -> std::optional<std::string> {
        const auto it = variables.find(name);
        if (it == variables.end()) return std::nullopt;
        return it->second;
    };
}

config::Options resolved(Command command, const CommandLine& line, const config::Environment& environment) {
    auto options = config::resolve(command, line, environment);
    if (!options) FAIL(std::string(config::name_of(command)) + ": " + options.error().message);
    return std::move(options).value();
}

util::Error resolve_error(Command command, const CommandLine& line, const config::Environment& environment) {
    auto options = config::resolve(command, line, environment);
    REQUIRE_FALSE(options);
    return options.error();
}

std::string write_config(const std::filesystem::path& dir, const std::string& text) {
    const auto path = dir / "scepctl.toml";
    std::ofstream(path) << text;
    return path.string();
}

std::string user_name() {
    const passwd* pw = ::getpwuid(::geteuid());
    REQUIRE(pw != nullptr);
    return pw->pw_name;
}

// Every key of every table. The keytab and the password files do not exist.
constexpr const char* k_full_config = R"([kerberos]
realm = "CORP.EXAMPLE.COM"
kdc = ["dc1.corp.example.com", "dc2.corp.example.com:88"]
service_user = "svc@CORP.EXAMPLE.COM"
keytab = "missing.keytab"
allowed_domains = [".Corp.Example.COM"]

[ca.ndes]
type = "microsoft"
scep_url = "https://ndes.corp.example.com/certsrv/mscep/mscep.dll"
challenge_url = "https://ndes.corp.example.com/certsrv/mscep_admin/"
prefer_kerberos = true
username = "CORP\\enroll"
password_file = "enroll.pass"
ca_fingerprint = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
tls_ca_file = "tls-ca.pem"
timeout = 12.5
message = "ca-1"
delegate_to = "HTTP/ndes.corp.example.com"
skip_checks = ["delegation"]

[ca.other]
scep_url = "https://other.example.com/scep"

[profile.p]
ca = "ndes"
subject = "CN=p.example.com,O=Example"
san = ["dns:p.example.com", "ip:192.0.2.7"]
key_size = 3072
key_usage = "signature"
eku = ["clientAuth"]
validity = "90d"
cipher = "aes256"
digest = "sha512"
allowed_digests = ["sha256", "sha512"]
max_polls = 4
poll_interval = 7
poll_timeout = 99
method = "post"
out_dir = "/tmp/x/${user}"
key_out = "k.pem"
cert_out = "c.pem"
chain_out = "chain.pem"
days_before = 21
key_store = "tpm2"
tpm2_tcti = "swtpm:host=127.0.0.1,port=2321"
pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so"
ca_cache = "ca-ra.pem"

[profile.q]
ca = "other"
key_size = 4096
)";
constexpr int k_key_size_line = 29; // profile.p.key_size in k_full_config

// The rows `command` takes that the file may set.
std::vector<const OptionSpec*> file_rows(Command command) {
    std::vector<const OptionSpec*> rows;
    for (const OptionSpec& spec : config::option_table()) {
        if (spec.table != Table::none && !spec.key.empty() && spec.takes(command)) rows.push_back(&spec);
    }
    return rows;
}

} // namespace

TEST_CASE("option table: every subcommand has a name that reads back", "[options]") {
    REQUIRE(config::all_commands().size() == 13);
    std::set<std::string_view> names;
    for (const Command command : config::all_commands()) {
        const std::string_view name = config::name_of(command);
        CHECK(config::command_named(name) == command);
        names.insert(name);
    }
    CHECK(names.size() == 13);
    CHECK(config::name_of(Command::status) == "status");
    CHECK(config::name_of(Command::check_ndes) == "check-ndes");
    CHECK(config::name_of(Command::decode) == "decode");
    CHECK_FALSE(config::command_named("check_ndes"));
    CHECK_FALSE(config::command_named(""));
}

TEST_CASE("option table: every row is complete", "[options]") {
    for (const OptionSpec& spec : config::option_table()) {
        INFO(config::display_name(spec) << " (commands " << spec.commands << ")");
        if (!spec.flag.empty()) {
            // What --help and the man page show.
            CHECK_FALSE(spec.help.empty());
            CHECK((!spec.manual.empty() || !spec.manual_with.empty()));
            CHECK(spec.flag.find_first_of(" _=") == std::string_view::npos);
            CHECK(config::display_name(spec) ==
                  (spec.positional ? std::string(spec.value_name) : "--" + std::string(spec.flag)));
        } else {
            // A key only the file has: reachable from the file, resolved under its setting.
            CHECK_FALSE(spec.key.empty());
            CHECK(spec.table != Table::none);
            CHECK_FALSE(spec.setting.empty());
            CHECK(config::display_name(spec) == spec.key);
        }
        // Every file key's table is set, and a table names the key.
        CHECK((spec.key.empty() == (spec.table == Table::none)));
        // A flag takes no value; every other kind names it.
        if (!spec.flag.empty()) CHECK((spec.kind == Kind::flag) == spec.value_name.empty());
        if (!spec.flag_value.empty()) CHECK(spec.kind == Kind::flag);
        if (!spec.global()) CHECK((spec.commands & ~0x1FFFu) == 0); // only bits of real subcommands
    }
}

TEST_CASE("option table: a flag appears at most once per subcommand", "[options]") {
    for (const Command command : config::all_commands()) {
        std::map<std::string_view, int> flags;
        std::map<char, int> short_flags;
        for (const OptionSpec& spec : config::option_table()) {
            if (spec.flag.empty() || !spec.takes(command)) continue;
            ++flags[spec.flag];
            if (spec.short_flag != 0) ++short_flags[spec.short_flag];
        }
        for (const auto& [flag, count] : flags) {
            INFO(config::name_of(command) << " --" << flag);
            CHECK(count == 1);
            // find_option finds that one row.
            const OptionSpec* found = config::find_option(flag, command);
            REQUIRE(found != nullptr);
            CHECK(found->flag == flag);
        }
        for (const auto& [letter, count] : short_flags) {
            INFO(config::name_of(command) << " -" << letter);
            CHECK(count == 1);
        }
    }
}

TEST_CASE("option table: rows with one flag on several subcommands agree on its kind", "[options]") {
    std::map<std::string_view, Kind> kinds;
    for (const OptionSpec& spec : config::option_table()) {
        if (spec.flag.empty()) continue;
        const auto [it, inserted] = kinds.emplace(spec.flag, spec.kind);
        INFO("--" << spec.flag);
        if (!inserted) CHECK(it->second == spec.kind);
    }
}

TEST_CASE("option table: excludes, manual_with and setting name existing rows", "[options]") {
    const auto table = config::option_table();
    const auto overlapping = [](const OptionSpec& a, const OptionSpec& b) {
        return a.global() || b.global() || (a.commands & b.commands) != 0;
    };
    for (const OptionSpec& spec : table) {
        INFO(config::display_name(spec));
        if (!spec.excludes.empty()) {
            // The other flag exists on the same subcommands and excludes this one back.
            const auto other = std::find_if(table.begin(), table.end(), [&](const OptionSpec& o) {
                return o.flag == spec.excludes && overlapping(spec, o);
            });
            REQUIRE(other != table.end());
            CHECK(other->excludes == spec.flag);
        }
        if (!spec.manual_with.empty()) {
            // The leader exists on the same subcommands and has the text.
            const auto leader = std::find_if(table.begin(), table.end(), [&](const OptionSpec& o) {
                return o.flag == spec.manual_with && (o.commands & spec.commands) == spec.commands;
            });
            REQUIRE(leader != table.end());
            CHECK_FALSE(leader->manual.empty());
            CHECK(spec.manual.empty());
        }
        if (!spec.setting.empty() && !spec.flag.empty()) {
            // A flag that feeds another flag's setting (--no-kerberos) names a row of that flag on
            // its subcommands, of the same kind.
            const auto fed = std::find_if(table.begin(), table.end(), [&](const OptionSpec& o) {
                return o.flag == spec.setting && (o.commands & spec.commands) == spec.commands;
            });
            REQUIRE(fed != table.end());
            CHECK(fed->kind == spec.kind);
        }
    }
    // The one pair the table has today.
    const OptionSpec* no_kerberos = config::find_option("no-kerberos", Command::renew);
    REQUIRE(no_kerberos != nullptr);
    CHECK(no_kerberos->setting_name() == "kerberos");
    CHECK(no_kerberos->flag_value == "false");
}

TEST_CASE("option table: defaults and choices pass the row's own validation", "[options]") {
    for (const OptionSpec& spec : config::option_table()) {
        INFO(config::display_name(spec) << " (commands " << spec.commands << ")");
        for (const std::string_view choice : spec.choices) {
            CHECK_FALSE(choice.empty());
            if (spec.validate != nullptr) CHECK(spec.validate(choice).value);
        }
        if (spec.default_value.empty()) continue;
        CHECK(spec.kind != Kind::flag);
        CHECK(spec.kind != Kind::list);
        if (!spec.choices.empty()) {
            CHECK(std::find(spec.choices.begin(), spec.choices.end(), spec.default_value) != spec.choices.end());
        }
        if (spec.validate != nullptr) {
            const config::Checked checked = spec.validate(spec.default_value);
            CHECK(checked.value == std::string(spec.default_value)); // passes, and stays as written
            CHECK(checked.problem.empty());
        }
    }
    // The validators refuse what they should, so the check above can fail.
    const OptionSpec* key_size = config::find_option("key-size", Command::enroll);
    REQUIRE(key_size != nullptr);
    REQUIRE(key_size->validate != nullptr);
    CHECK_FALSE(key_size->validate("1024").value);
    CHECK(key_size->validate("1024").problem == "\"1024\" is not 2048, 3072 or 4096");
}

TEST_CASE("option table: the file's keys, table by table", "[options]") {
    const auto keys = [](Table table) {
        std::set<std::string_view> names;
        for (const OptionSpec* spec : config::keys_of(table)) {
            CHECK(spec->table == table);
            CHECK(names.insert(spec->key).second); // each key once
        }
        return names;
    };
    const auto kerberos = keys(Table::kerberos);
    const auto ca = keys(Table::ca);
    const auto profile = keys(Table::profile);
    CHECK(kerberos ==
          std::set<std::string_view>{"realm", "kdc", "service_user", "keytab", "password_file", "allowed_domains"});
    CHECK(ca.count("scep_url") == 1);
    CHECK(ca.count("prefer_kerberos") == 1);
    CHECK(ca.count("key_size") == 0);
    CHECK(profile.count("key_size") == 1);
    CHECK(profile.count("allowed_digests") == 1);
    CHECK(profile.count("ca") == 1);
    CHECK(config::keys_of(Table::none).empty());

    // file_key_of: the row a setting of a subcommand is read from in the file.
    const OptionSpec* renew_key = config::file_key_of("key", Command::renew);
    REQUIRE(renew_key != nullptr);
    CHECK(renew_key->key == "key_out");
    CHECK(config::file_key_of("key", Command::enroll) == nullptr); // enroll's --key is an existing key
    CHECK(config::file_key_of("subject", Command::renew) == nullptr);
    REQUIRE(config::file_key_of("allowed-digests", Command::check_ndes) != nullptr);
    CHECK(config::file_key_of("key-size", Command::getcacaps) == nullptr);
}

TEST_CASE("option table: every key in examples/*.toml is a known key of its table", "[options][examples]") {
    const std::regex header(R"(^\s*\[\s*(kerberos|ca|profile)(\.[A-Za-z0-9_-]+)?\s*\])");
    const std::regex assignment(R"(^\s*([A-Za-z0-9_]+)\s*=)");
    std::size_t checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(SCEPCTL_EXAMPLES)) {
        if (entry.path().extension() != ".toml") continue;
        std::ifstream in(entry.path());
        std::string line;
        Table table = Table::none;
        int number = 0;
        while (std::getline(in, line)) {
            ++number;
            std::smatch match;
            if (std::regex_search(line, match, header)) {
                table = match[1] == "kerberos" ? Table::kerberos : match[1] == "ca" ? Table::ca : Table::profile;
            } else if (std::regex_search(line, match, assignment)) {
                INFO(entry.path().filename().string() << ":" << number << ": " << match[1]);
                REQUIRE(table != Table::none);
                const auto keys = config::keys_of(table);
                const bool known = std::any_of(keys.begin(), keys.end(),
                                               [&](const OptionSpec* spec) { return spec->key == match[1].str(); });
                CHECK(known);
                ++checked;
            }
        }
    }
    CHECK(checked > 40); // both example files were read
}

TEST_CASE("resolve: every subcommand takes a profile key with the same meaning", "[options][resolve]") {
    test::TempDir dir;
    const std::string path = write_config(dir.path, k_full_config);
    auto loaded = config::load_config(path);
    REQUIRE(loaded);
    const config::Config& file = *loaded;
    const auto env = environment_of();
    for (const Command command : config::all_commands()) {
        const config::Options options = resolved(command, {{"config", {path}}, {"profile", {"p"}}}, env);
        CHECK(options.command() == command);
        REQUIRE(options.profile() != nullptr);
        REQUIRE(options.ca() != nullptr);
        CHECK(options.profile()->name == "p");
        CHECK(options.ca()->name == "ndes");
        for (const OptionSpec* spec : file_rows(command)) {
            INFO(config::name_of(command) << ": " << spec->key << " -> " << spec->setting_name());
            const config::FileTable* table = spec->table == Table::profile ? file.profile("p")
                                             : spec->table == Table::ca    ? file.ca("ndes")
                                                                           : &*file.kerberos;
            const config::FileValue* value = table->get(spec->key);
            const config::Setting* setting = options.get(spec->setting_name());
            if (value == nullptr) {
                // k_full_config sets every key but [kerberos] password_file (it has a keytab) and
                // [ca] ca_cert (it pins with ca_fingerprint, which ca_cert excludes).
                CHECK((spec->key == "password_file" || spec->key == "ca_cert"));
                CHECK(setting == nullptr);
                continue;
            }
            REQUIRE(setting != nullptr);
            CHECK(setting->origin == Origin::file);
            CHECK(setting->values == value->values);
            CHECK(setting->where == path + ":" + std::to_string(value->line) + ": " + value->key_path);
        }
    }
}

TEST_CASE("resolve: the profile's values reach each subcommand that has the option", "[options][resolve]") {
    test::TempDir dir;
    const std::string path = write_config(dir.path, k_full_config);
    const CommandLine line{{"config", {path}}, {"profile", {"p"}}};
    const auto env = environment_of();
    const auto of = [&](Command command) { return resolved(command, line, env); };

    // key_size for enroll, check-ndes and renew.
    for (const Command command : {Command::enroll, Command::check_ndes, Command::renew}) {
        INFO(config::name_of(command));
        const auto options = of(command);
        CHECK(options.text("key-size") == "3072");
        CHECK(options.get("key-size")->where == path + ":" + std::to_string(k_key_size_line) + ": profile.p.key_size");
        CHECK(options.list("allowed-digests") == Values{"sha256", "sha512"});
    }
    // The CA's challenge_url and prefer_kerberos for every subcommand that fetches a challenge.
    for (const Command command :
         {Command::enroll, Command::renew, Command::getchallenge, Command::check_kerberos, Command::check_ndes}) {
        INFO(config::name_of(command));
        const auto options = of(command);
        CHECK(options.text("challenge-url") == "https://ndes.corp.example.com/certsrv/mscep_admin/");
        CHECK(options.flag("kerberos"));
        CHECK(options.list("kdc") == Values{"dc1.corp.example.com", "dc2.corp.example.com:88"});
        CHECK(options.list("allowed-domain") == Values{"corp.example.com"});
        CHECK(options.text("user-password-file") == (dir.path / "enroll.pass").string());
    }
    // The CA's URL, timeout and TLS trust for all.
    for (const Command command : config::all_commands()) {
        INFO(config::name_of(command));
        const auto options = of(command);
        CHECK(options.text("url") == "https://ndes.corp.example.com/certsrv/mscep/mscep.dll");
        CHECK(options.text("timeout") == "12.5");
        CHECK(options.text("cacert") == (dir.path / "tls-ca.pem").string());
    }
    // What a subcommand does not take, it does not get.
    const auto getcacaps = of(Command::getcacaps);
    CHECK(getcacaps.get("challenge-url") == nullptr);
    CHECK(getcacaps.get("key-size") == nullptr);
    CHECK(getcacaps.get("keytab") == nullptr);
    CHECK_FALSE(getcacaps.flag("kerberos"));
    // enroll's --key is a key to use, not the profile's key_out; renew's --key is the key_out.
    CHECK(of(Command::enroll).get("key") == nullptr);
    CHECK(of(Command::enroll).text("key-out") == (dir.path / "k.pem").string());
    CHECK(of(Command::renew).text("key") == (dir.path / "k.pem").string());
    CHECK(of(Command::renew).text("cert") == (dir.path / "c.pem").string());
    // renew keeps the certificate's subject: the profile's is not used (scepctl-renew(1)).
    CHECK(of(Command::renew).get("subject") == nullptr);
    CHECK(of(Command::check_ndes).text("subject") == "CN=p.example.com,O=Example");
    CHECK(of(Command::check_ndes).text("key-usage") == "signature");
    CHECK(of(Command::check_ndes).list("eku") == Values{"clientAuth"});
    CHECK(of(Command::check_ndes).list("san") == Values{"dns:p.example.com", "ip:192.0.2.7"});
}

TEST_CASE("resolve: command line > environment > file > default", "[options][resolve]") {
    test::TempDir dir;
    const std::string path = write_config(dir.path, k_full_config);

    SECTION("a flag beats the profile, the profile beats the default") {
        const auto env = environment_of();
        auto options = resolved(Command::enroll, {{"config", {path}}, {"profile", {"p"}}, {"key-size", {"4096"}}}, env);
        const config::Setting* key_size = options.get("key-size");
        REQUIRE(key_size != nullptr);
        CHECK(key_size->values == Values{"4096"});
        CHECK(key_size->origin == Origin::command_line);
        CHECK(key_size->where == "--key-size");
        CHECK(options.given("key-size"));
        CHECK_FALSE(options.given("key-usage"));

        options = resolved(Command::enroll, {{"config", {path}}, {"profile", {"q"}}}, env);
        CHECK(options.text("key-size") == "4096"); // profile q
        CHECK(options.get("key-size")->origin == Origin::file);
        const config::Setting* usage = options.get("key-usage");
        REQUIRE(usage != nullptr);
        CHECK(usage->values == Values{"both"});
        CHECK(usage->origin == Origin::built_in);
        CHECK(usage->where == "default");
        CHECK(options.text("url") == "https://other.example.com/scep"); // q's CA
        CHECK_FALSE(options.flag("kerberos"));                          // other has no prefer_kerberos
        CHECK(options.get("challenge-url") == nullptr);
        CHECK(options.text("poll-interval") == "10");

        options = resolved(Command::enroll, {}, env);
        CHECK(options.text("key-size") == "2048");
        CHECK(options.get("key-size")->origin == Origin::built_in);
        CHECK(options.profile() == nullptr);
    }
    SECTION("the environment beats the file, the command line beats the environment") {
        const auto env =
            environment_of({{"SCEPCTL_CONFIG", path}, {"SCEPCTL_PROFILE", "q"}, {"SCEPCTL_CHALLENGE", "e"}});
        auto options = resolved(Command::enroll, {}, env);
        REQUIRE(options.file() != nullptr);
        CHECK(options.file()->path == path);
        CHECK(options.profile()->name == "q");
        CHECK(options.text("key-size") == "4096");
        const config::Setting* challenge = options.get("challenge");
        REQUIRE(challenge != nullptr);
        CHECK(challenge->values == Values{"e"});
        CHECK(challenge->origin == Origin::environment);
        CHECK(challenge->where == "SCEPCTL_CHALLENGE");

        options = resolved(Command::enroll, {{"profile", {"p"}}, {"challenge", {"l"}}}, env);
        CHECK(options.profile()->name == "p");
        CHECK(options.text("key-size") == "3072");
        CHECK(options.text("challenge") == "l");
        CHECK(options.get("challenge")->origin == Origin::command_line);

        // --config beats SCEPCTL_CONFIG, even one that does not exist.
        const auto broken = environment_of({{"SCEPCTL_CONFIG", (dir.path / "missing.toml").string()}});
        options = resolved(Command::getcacaps, {{"config", {path}}, {"profile", {"q"}}}, broken);
        CHECK(options.file()->path == path);
        const auto error = resolve_error(Command::getcacaps, {{"profile", {"q"}}}, broken);
        CHECK(error.code == ErrorCode::config);
        CHECK(error.message ==
              "config file " + (dir.path / "missing.toml").string() + " (from SCEPCTL_CONFIG) does not exist");
    }
    SECTION("--ca and --url replace the profile's CA") {
        const auto env = environment_of();
        auto options = resolved(Command::getcacaps, {{"config", {path}}, {"profile", {"p"}}, {"ca", {"other"}}}, env);
        REQUIRE(options.ca() != nullptr);
        CHECK(options.ca()->name == "other");
        CHECK(options.text("url") == "https://other.example.com/scep");
        CHECK(options.text("timeout") == "60"); // other sets none: the default
        options = resolved(Command::getcacaps,
                           {{"config", {path}}, {"profile", {"p"}}, {"url", {"http://127.0.0.1:8080/scep"}}}, env);
        CHECK(options.text("url") == "http://127.0.0.1:8080/scep");
        CHECK(options.get("url")->origin == Origin::command_line);
    }
    SECTION("list flags replace the file's list") {
        const auto options = resolved(Command::check_ndes,
                                      {{"config", {path}}, {"profile", {"p"}}, {"eku", {"serverAuth", "codeSigning"}}},
                                      environment_of());
        CHECK(options.list("eku") == Values{"serverAuth", "codeSigning"});
        CHECK(options.list("san") == Values{"dns:p.example.com", "ip:192.0.2.7"});
    }
}

TEST_CASE("resolve: unknown profiles and CAs, and a profile without a file, are config errors", "[options][resolve]") {
    test::TempDir dir;
    const std::string path = write_config(dir.path, k_full_config);
    const auto env = environment_of();
    auto error = resolve_error(Command::enroll, {{"config", {path}}, {"profile", {"nope"}}}, env);
    CHECK(error.code == ErrorCode::config);
    CHECK(error.message == path + ": no [profile.nope] (profiles: p, q)");
    error = resolve_error(Command::getcacaps, {{"config", {path}}, {"ca", {"nope"}}}, env);
    CHECK(error.code == ErrorCode::config);
    CHECK(error.message == path + ": no [ca.nope] (CAs: ndes, other)");
    error = resolve_error(Command::getcacaps, {{"config", {(dir.path / "missing.toml").string()}}}, env);
    CHECK(error.code == ErrorCode::config);
    CHECK(error.message == "config file " + (dir.path / "missing.toml").string() + " (from --config) does not exist");
    if (!std::filesystem::exists("/etc/scepctl/config.toml")) {
        error = resolve_error(Command::getcacaps, {{"profile", {"p"}}}, env);
        CHECK(error.code == ErrorCode::config);
        CHECK_THAT(error.message, StartsWith("profile 'p': no configuration file"));
    }
}

TEST_CASE("resolve: a file problem is a config error naming file:line:key", "[options][resolve]") {
    test::TempDir dir;
    const std::string path = write_config(dir.path, "[ca.x]\nscep_url = \"https://h/\"\ntimeout = 0\n");
    const auto error = resolve_error(Command::getcacaps, {{"config", {path}}, {"ca", {"x"}}}, environment_of());
    CHECK(error.code == ErrorCode::config);
    CHECK(error.message == path + ":3: ca.x.timeout: \"0\" is not a number of seconds from 0.001 to 86400");
}

TEST_CASE("resolve: the default config file is read only when the run needs it", "[options][resolve]") {
    test::TempDir dir;
    std::filesystem::create_directories(dir.path / ".config/scepctl");
    std::ofstream(dir.path / ".config/scepctl/config.toml") << "[kerbros]\n";
    const auto env = environment_of({{"HOME", dir.path.string()}});
    // getcacaps with --url names no profile, CA or [kerberos] key: the broken file is not read.
    const auto options = resolved(Command::getcacaps, {{"url", {"https://h/scep"}}}, env);
    CHECK(options.file() == nullptr);
    // enroll reads [kerberos], so it reads the file, and the error names it.
    const auto error = resolve_error(Command::enroll, {}, env);
    CHECK(error.code == ErrorCode::config);
    CHECK_THAT(error.message, StartsWith((dir.path / ".config/scepctl/config.toml").string() + ":1: kerbros"));
}

TEST_CASE("resolve: command-line values get the file's validation, as usage errors", "[options][resolve]") {
    const auto env = environment_of();
    const auto usage = [&](Command command, const CommandLine& line) {
        const auto error = resolve_error(command, line, env);
        CHECK(error.code == ErrorCode::usage);
        return error.message;
    };
    CHECK(usage(Command::enroll, {{"key-size", {"1024"}}}) == "--key-size: \"1024\" is not 2048, 3072 or 4096");
    CHECK(usage(Command::enroll, {{"key-usage", {"sign"}}}) ==
          "--key-usage: \"sign\" is not one of signature, encryption, both");
    CHECK(usage(Command::getcacaps, {{"timeout", {"0"}}}) ==
          "--timeout: \"0\" is not a number of seconds from 0.001 to 86400");
    CHECK(usage(Command::getcacaps, {{"url", {"ftp://h/"}}}) == "--url: \"ftp://h/\" is not a valid http or https URL");
    CHECK_THAT(usage(Command::getcacaps, {{"url", {"https://u:hunter2@h/"}}}), !Contains("hunter2"));
    CHECK_THAT(usage(Command::getchallenge, {{"kdc", {"dc1", "dc2:0"}}}), StartsWith("--kdc: \"dc2:0\" is not"));
    CHECK_THAT(usage(Command::getcert, {{"serial", {"xyz"}}}), StartsWith("--serial: "));
    CHECK_THAT(usage(Command::enroll, {{"var", {"novalue"}}}), StartsWith("--var: \"novalue\": expected NAME=VALUE"));
    CHECK_THAT(usage(Command::enroll, {{"eku", {"notAnEku"}}}), StartsWith("--eku: unknown extended key usage"));
    CHECK_THAT(usage(Command::renew, {{"mode", {"fast"}}}), StartsWith("--mode: \"fast\" is not one of"));
    // Normalised as the file's values are.
    const auto options = resolved(Command::getchallenge, {{"allowed-domain", {".Corp.Example.COM"}}}, env);
    CHECK(options.list("allowed-domain") == Values{"corp.example.com"});
}

TEST_CASE("resolve: --no-kerberos overrides the CA's prefer_kerberos", "[options][resolve]") {
    test::TempDir dir;
    const std::string path = write_config(dir.path, k_full_config);
    const auto env = environment_of();
    // The CA's NTLM password file exists; the [kerberos] keytab does not.
    std::ofstream(dir.path / "enroll.pass") << "pw\n";
    for (const Command command : {Command::enroll, Command::renew, Command::getchallenge, Command::check_ndes}) {
        INFO(config::name_of(command));
        const auto options =
            resolved(command, {{"config", {path}}, {"profile", {"p"}}, {"no-kerberos", {"true"}}}, env);
        const config::Setting* kerberos = options.get("kerberos");
        REQUIRE(kerberos != nullptr);
        CHECK(kerberos->values == Values{"false"});
        CHECK(kerberos->origin == Origin::command_line);
        CHECK(kerberos->where == "--no-kerberos");
        CHECK_FALSE(options.flag("kerberos"));
        // So the challenge plan wants no Kerberos, and the missing keytab does not matter.
        const auto plan = config::challenge_plan(options);
        if (!plan) FAIL(plan.error().message);
        CHECK_FALSE(plan->kerberos);
        CHECK(plan->admin_url == "https://ndes.corp.example.com/certsrv/mscep_admin/");
        CHECK(plan->username == "CORP\\enroll");
    }
    // Without --no-kerberos the plan wants the service user's keytab, which is missing.
    const auto preferred = resolved(Command::renew, {{"config", {path}}, {"profile", {"p"}}}, env);
    const auto plan = config::challenge_plan(preferred);
    REQUIRE_FALSE(plan);
    CHECK(plan.error().code == ErrorCode::config);
    CHECK_THAT(plan.error().message, Contains("kerberos.keytab: secret file"));
    // --kerberos turns it on for a CA that does not prefer it.
    const auto options =
        resolved(Command::getchallenge, {{"config", {path}}, {"profile", {"q"}}, {"kerberos", {"true"}}}, env);
    CHECK(options.flag("kerberos"));
    CHECK(options.get("kerberos")->where == "--kerberos");
}

TEST_CASE("getcacaps --profile works though the profile's keytab does not exist (issue 17)", "[options][resolve]") {
    test::TempDir dir;
    const std::string path = write_config(dir.path, k_full_config);
    const auto env = environment_of();
    const CommandLine line{{"config", {path}}, {"profile", {"p"}}};
    for (const Command command : {Command::getcacaps, Command::getcacert, Command::getnextcacert}) {
        INFO(config::name_of(command));
        const auto options = resolved(command, line, env);
        const auto server = config::server_settings(options);
        REQUIRE(server);
        CHECK(server->url == "https://ndes.corp.example.com/certsrv/mscep/mscep.dll");
        CHECK(server->transport.timeout_ms == 12500);
    }
    // The subcommands that use Kerberos find the keytab missing, and say where it was named.
    const auto options = resolved(Command::getchallenge, line, env);
    const auto plan = config::kerberos_plan(options);
    REQUIRE_FALSE(plan);
    CHECK(plan.error().code == ErrorCode::config);
    CHECK(plan.error().message ==
          path + ":5: kerberos.keytab: secret file " + (dir.path / "missing.keytab").string() + " does not exist");
}

TEST_CASE("path settings expand ${var}: no directory named ${user} (issue 17)", "[options][resolve]") {
    test::TempDir dir;
    const std::string path = write_config(dir.path, std::string(k_full_config) + "\n[profile.r]\nca = \"other\"\n"
                                                                                 "out_dir = \"/tmp/${nope}/x\"\n");
    const auto env = environment_of();
    for (const Command command : {Command::enroll, Command::renew}) {
        INFO(config::name_of(command));
        const auto options = resolved(command, {{"config", {path}}, {"profile", {"p"}}}, env);
        CHECK(options.text("out-dir") == "/tmp/x/${user}"); // as written
        const auto variables = config::template_variables(options, env);
        REQUIRE(variables);
        const auto out_dir = config::path_setting(options, "out-dir", *variables);
        REQUIRE(out_dir);
        CHECK(*out_dir == std::optional<std::string>("/tmp/x/" + user_name()));
        // An unset setting is nullopt, not an error.
        const auto unset = config::path_setting(options, "no-such-setting", *variables);
        REQUIRE(unset);
        CHECK_FALSE(unset->has_value());
    }
    // --var, then the environment, then the built-ins.
    auto options = resolved(Command::enroll, {{"config", {path}}, {"profile", {"p"}}, {"var", {"user=alice"}}},
                            environment_of({{"user", "bob"}}));
    auto variables = config::template_variables(options, environment_of({{"user", "bob"}}));
    REQUIRE(variables);
    CHECK(config::path_setting(options, "out-dir", *variables).value() == std::optional<std::string>("/tmp/x/alice"));
    options = resolved(Command::enroll, {{"config", {path}}, {"profile", {"p"}}}, environment_of({{"user", "bob"}}));
    variables = config::template_variables(options, environment_of({{"user", "bob"}}));
    REQUIRE(variables);
    CHECK(config::path_setting(options, "out-dir", *variables).value() == std::optional<std::string>("/tmp/x/bob"));

    // An unknown variable is an error naming where the path was written: the file's a config error ...
    options = resolved(Command::enroll, {{"config", {path}}, {"profile", {"r"}}}, env);
    variables = config::template_variables(options, env);
    REQUIRE(variables);
    auto expanded = config::path_setting(options, "out-dir", *variables);
    REQUIRE_FALSE(expanded);
    CHECK(expanded.error().code == ErrorCode::config);
    CHECK_THAT(expanded.error().message, StartsWith(path + ":56: profile.r.out_dir: "));
    CHECK_THAT(expanded.error().message, Contains("nope"));
    // ... a flag's a usage error.
    options = resolved(Command::enroll, {{"out-dir", {"/tmp/${nope}"}}}, env);
    variables = config::template_variables(options, env);
    REQUIRE(variables);
    expanded = config::path_setting(options, "out-dir", *variables);
    REQUIRE_FALSE(expanded);
    CHECK(expanded.error().code == ErrorCode::usage);
    CHECK_THAT(expanded.error().message, StartsWith("--out-dir: "));
}

TEST_CASE("resolve: --profile twice is for status only; days_before reaches renew and status (issue 23)",
          "[options][resolve]") {
    test::TempDir dir;
    const std::string path = write_config(dir.path, k_full_config);
    const auto env = environment_of();
    const auto error = resolve_error(Command::enroll, {{"config", {path}}, {"profile", {"p", "q"}}}, env);
    CHECK(error.code == ErrorCode::usage);
    CHECK(error.message == "--profile given more than once");
    const auto status = resolved(Command::status, {{"config", {path}}, {"profile", {"q", "p"}}}, env);
    CHECK(status.text("days-before") == "21");
    CHECK(resolved(Command::renew, {{"config", {path}}, {"profile", {"p"}}}, env).text("days-before") == "21");
    // Without a profile key status has its own default; renew has none (it always renews).
    CHECK(resolved(Command::status, {{"config", {path}}, {"profile", {"q"}}}, env).text("days-before") == "30");
    CHECK_FALSE(resolved(Command::renew, {{"config", {path}}, {"profile", {"q"}}}, env).text("days-before"));
    // status reads the file without --profile: it reports every profile.
    const auto all = resolved(Command::status, {{"config", {path}}}, env);
    REQUIRE(all.file() != nullptr);
    CHECK(all.file()->profiles.size() == 2);
}
