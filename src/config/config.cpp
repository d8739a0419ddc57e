// The TOML config loader. Every table is read against the keys the option table gives it, so a
// typo is an error with a hint, never a silently ignored setting. All problems are collected; the
// first in file order becomes the message and the rest go to the error's details.
#include "config/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "config/options.hpp"
#include "config/toml_guard.hpp"
#include "config/validate.hpp"
#include "util/bytes.hpp"
#include "util/text.hpp"

namespace config {

const FileValue* FileTable::get(std::string_view key) const {
    const auto it = values.find(key);
    return it == values.end() ? nullptr : &it->second;
}

std::optional<std::string> FileTable::text(std::string_view key) const {
    const FileValue* value = get(key);
    if (value == nullptr || value->values.empty()) return std::nullopt;
    return value->values.front();
}

const FileTable* Config::profile(std::string_view name) const {
    const auto it = profiles.find(name);
    return it == profiles.end() ? nullptr : &it->second;
}

const FileTable* Config::ca(std::string_view name) const {
    const auto it = cas.find(name);
    return it == cas.end() ? nullptr : &it->second;
}

namespace {

namespace fs = std::filesystem;
using util::Error;
using util::ErrorCode;

constexpr std::array<std::string_view, 3> k_top_level_keys{"kerberos", "ca", "profile"};
constexpr std::string_view k_password_hint =
    "secrets are not allowed inline: use password_file (a file readable only by its owner)";
constexpr std::string_view k_challenge_hint = "secrets are not allowed inline: use --challenge-file or challenge_url";
constexpr std::string_view k_system_config = "/etc/scepctl/config.toml";
constexpr std::size_t k_max_config_size = 1024 * 1024;

std::string type_name(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
    }
    return "nothing";
}

// Optimal string alignment distance: a swapped pair of letters counts as one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

// The known key within two edits; never one that shares almost nothing with the typo ("x" is not "ca").
std::optional<std::string_view> closest_key(std::string_view key, const std::vector<std::string_view>& known) {
    std::optional<std::string_view> best;
    std::size_t best_distance = 3;
    for (const auto candidate : known) {
        const std::size_t distance = edit_distance(key, candidate);
        if (distance < best_distance && distance < candidate.size()) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

std::optional<std::string_view> secret_hint(std::string_view key) {
    if (key == "challenge") return k_challenge_hint;
    if (key == "password" || key == "secret" || key == "token") return k_password_hint;
    return std::nullopt;
}

// "challenge_password", "api_token": unknown keys that look like secrets get the secret message.
std::optional<std::string_view> secret_like_hint(std::string_view key) {
    const std::string lower = util::to_lower_ascii(key);
    if (lower.ends_with("_file") || lower.ends_with("_url")) return std::nullopt;
    if (lower.find("challenge") != std::string::npos) return k_challenge_hint;
    for (const std::string_view word : {"password", "secret", "token"}) {
        if (lower.find(word) != std::string::npos) return k_password_hint;
    }
    return std::nullopt;
}

std::uint32_t node_line(const toml::node& node, std::uint32_t fallback) {
    const auto line = node.source().begin.line;
    return line > 0 ? line : fallback;
}

// The number as a user wrote it, near enough to find it in the file: the shortest text that reads
// back as the same number, in plain decimals where that stays short (0.0001, 2.5), else the
// shorter of the two forms (1e+300, 1e-30); never "1e-04" for 0.0001. By printf, not
// std::to_chars(double): libstdc++'s floating_to_chars.o names a libm function, and that one
// reference made scepctl load libm at every start (bench/notes/cpu.md).
std::string number_text(double value) {
    char scientific[32];
    for (int digits = 0; digits <= 16; ++digits) {
        std::snprintf(scientific, sizeof scientific, "%.*e", digits, value);
        if (std::strtod(scientific, nullptr) == value) break;
    }
    char fixed[512];
    for (int decimals = 0; decimals <= 340; ++decimals) {
        std::snprintf(fixed, sizeof fixed, "%.*f", decimals, value);
        if (std::strtod(fixed, nullptr) == value) break;
    }
    const std::size_t fixed_size = std::strlen(fixed);
    return fixed_size <= 20 || fixed_size <= std::strlen(scientific) ? fixed : scientific;
}

struct Diagnostic {
    std::uint32_t line = 0;
    std::string text;
};

class Parser {
  public:
    explicit Parser(std::string source) : m_source(std::move(source)), m_base_dir(fs::path(m_source).parent_path()) {}
    util::Result<Config> parse(std::string_view text);

  private:
    void error(std::uint32_t line, std::string_view key_path, std::string_view what) {
        m_errors.push_back(
            {line, m_source + ":" + std::to_string(line) + ": " + std::string(key_path) + ": " + std::string(what)});
    }
    std::optional<FileTable> read_table(const toml::table& table, Table kind, const std::string& path,
                                        std::uint32_t line, std::string name);
    void report_unknown(const toml::key& key, const std::string& path, std::uint32_t line, Table kind);
    std::optional<FileValue> read_value(const toml::node& node, const OptionSpec& spec, const std::string& key_path,
                                        std::uint32_t line);
    std::optional<std::string> one_value(const toml::node& node, const OptionSpec& spec, const std::string& key_path,
                                         std::uint32_t line);
    std::optional<std::string> check_value(std::string value, const OptionSpec& spec, const std::string& key_path,
                                           std::uint32_t line);
    std::optional<std::string> resolve_path(const std::string& value, std::uint32_t line, std::string_view key_path);
    const toml::table* named_tables(const toml::node& node, std::uint32_t line, std::string_view kind);
    bool valid_name(std::string_view kind, const toml::key& key);

    void read_kerberos(const toml::node& node, std::uint32_t line);
    void read_cas(const toml::node& node, std::uint32_t line);
    void read_profiles(const toml::node& node, std::uint32_t line);
    // The rules between keys of one table (and the tables before it).
    void check_kerberos(FileTable& table, const toml::table& raw);
    void check_ca(FileTable& table, const toml::table& raw);
    void check_profile(FileTable& table, const toml::table& raw);

    std::string m_source;
    fs::path m_base_dir;
    Config m_config;
    std::vector<std::string> m_ca_names;
    std::vector<Diagnostic> m_errors;
};

// Where key `key` of `table` is in the file.
std::uint32_t line_of(const toml::table& table, std::string_view key, std::uint32_t fallback) {
    const auto it = table.find(key);
    if (it == table.end()) return fallback;
    if (it->first.source().begin.line > 0) return it->first.source().begin.line;
    return node_line(it->second, fallback);
}

void Parser::report_unknown(const toml::key& key, const std::string& path, std::uint32_t line, Table kind) {
    std::vector<std::string_view> known;
    for (const OptionSpec* spec : keys_of(kind))
        known.push_back(spec->key);
    const std::string_view name = key.str();
    const std::uint32_t key_line = key.source().begin.line > 0 ? key.source().begin.line : line;
    const std::string key_path = path + "." + std::string(name);
    const std::string kind_name = kind == Table::kerberos ? "[kerberos]" : "[" + std::string(name_of(kind)) + ".NAME]";
    if (const auto hint = secret_hint(name)) {
        error(key_line, key_path, *hint);
    } else if (const auto near = closest_key(name, known)) {
        error(key_line, key_path, "unknown key (did you mean " + std::string(*near) + "?)");
    } else if (const auto like = secret_like_hint(name)) {
        error(key_line, key_path, *like);
    } else {
        std::vector<std::string> names(known.begin(), known.end());
        error(key_line, key_path, "unknown key in " + kind_name + " (known keys: " + util::join(names) + ")");
    }
}

std::optional<std::string> Parser::resolve_path(const std::string& value, std::uint32_t line,
                                                std::string_view key_path) {
    // A key in a TPM or on a token (--key handle:..., pkcs11:...) is a reference, not a path.
    if (value.starts_with("handle:") || value.starts_with("pkcs11:")) return value;
    if (value == "~" || value.starts_with("~/")) {
        const char* home = std::getenv("HOME");
        if (home == nullptr || *home == '\0') {
            error(line, key_path, quote_value(value) + " starts with ~ but $HOME is not set");
            return std::nullopt;
        }
        return std::string(home) + value.substr(1);
    }
    if (value.starts_with('~')) {
        error(line, key_path, "~user paths are not supported: write the absolute path");
        return std::nullopt;
    }
    const fs::path path(value);
    if (path.is_absolute() || m_base_dir.empty()) return value;
    return (m_base_dir / path).lexically_normal().string();
}

// The table's checks on one value: not empty, no NUL, one of the choices, the validator.
std::optional<std::string> Parser::check_value(std::string value, const OptionSpec& spec, const std::string& key_path,
                                               std::uint32_t line) {
    if (value.empty()) {
        error(line, key_path, "must not be empty (remove the key to use the default)");
        return std::nullopt;
    }
    if (value.find('\0') != std::string::npos) {
        error(line, key_path, "must not contain a NUL character");
        return std::nullopt;
    }
    if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), value) == spec.choices.end()) {
        std::vector<std::string> allowed(spec.choices.begin(), spec.choices.end());
        error(line, key_path, quote_value(value) + " is not one of " + util::join(allowed));
        return std::nullopt;
    }
    if (spec.validate != nullptr) {
        Checked checked = spec.validate(value);
        if (!checked.value) {
            error(line, key_path, checked.problem);
            return std::nullopt;
        }
        value = std::move(*checked.value);
    }
    if (spec.kind == Kind::path) return resolve_path(value, line, key_path);
    return value;
}

// A scalar of the row's kind, as text.
std::optional<std::string> Parser::one_value(const toml::node& node, const OptionSpec& spec,
                                             const std::string& key_path, std::uint32_t line) {
    switch (spec.kind) {
    case Kind::flag:
        if (const auto* value = node.as_boolean()) return std::string(value->get() ? "true" : "false");
        error(line, key_path, "expected a boolean (true or false), got " + type_name(node));
        return std::nullopt;
    case Kind::integer:
        if (const auto* value = node.as_integer())
            return check_value(std::to_string(value->get()), spec, key_path, line);
        error(line, key_path, "expected an integer, got " + type_name(node));
        return std::nullopt;
    case Kind::seconds:
        // Seconds may be written 30 or 2.5.
        if (const auto* value = node.as_integer())
            return check_value(std::to_string(value->get()), spec, key_path, line);
        if (const auto* value = node.as_floating_point()) {
            return check_value(number_text(value->get()), spec, key_path, line);
        }
        error(line, key_path, "expected a number of seconds (integer or float), got " + type_name(node));
        return std::nullopt;
    case Kind::text:
    case Kind::path:
    case Kind::list:
        if (const auto* value = node.as_string()) return check_value(value->get(), spec, key_path, line);
        error(line, key_path,
              std::string(spec.kind == Kind::list ? "expected a string (the value must be an array of strings)"
                                                  : "expected a string") +
                  ", got " + type_name(node));
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<FileValue> Parser::read_value(const toml::node& node, const OptionSpec& spec, const std::string& key_path,
                                            std::uint32_t line) {
    FileValue value;
    value.line = line;
    value.key_path = key_path;
    if (spec.kind != Kind::list) {
        auto one = one_value(node, spec, key_path, line);
        if (!one) return std::nullopt;
        value.values.push_back(std::move(*one));
        return value;
    }
    const auto* array = node.as_array();
    if (array == nullptr) {
        error(line, key_path, "expected an array of strings, got " + type_name(node));
        return std::nullopt;
    }
    bool ok = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = (*array)[i];
        auto one = one_value(element, spec, key_path + "[" + std::to_string(i) + "]", node_line(element, line));
        if (one)
            value.values.push_back(std::move(*one));
        else
            ok = false;
    }
    if (!ok) return std::nullopt;
    return value;
}

std::optional<FileTable> Parser::read_table(const toml::table& table, Table kind, const std::string& path,
                                            std::uint32_t line, std::string name) {
    FileTable result;
    result.name = std::move(name);
    result.line = line;
    const auto known = keys_of(kind);
    for (const auto& [key, node] : table) {
        const std::string_view key_name = key.str();
        if (kind == Table::profile && key_name == "ca") continue; // the profile's CA: checked with the profile
        const auto spec =
            std::find_if(known.begin(), known.end(), [&](const OptionSpec* s) { return s->key == key_name; });
        if (spec == known.end()) {
            report_unknown(key, path, line, kind);
            continue;
        }
        const std::uint32_t key_line = line_of(table, key_name, line);
        if (auto value = read_value(node, **spec, path + "." + std::string(key_name), key_line)) {
            result.values.emplace(std::string(key_name), std::move(*value));
        }
    }
    return result;
}

const toml::table* Parser::named_tables(const toml::node& node, std::uint32_t line, std::string_view kind) {
    const auto* table = node.as_table();
    if (table == nullptr) {
        error(line, kind, "expected tables [" + std::string(kind) + ".NAME], got " + type_name(node));
    }
    return table;
}

// Names are typed on the command line (--profile NAME), so they stay plain.
bool Parser::valid_name(std::string_view kind, const toml::key& key) {
    const std::string_view name = key.str();
    const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (!ok) {
        error(key.source().begin.line, std::string(kind) + "." + std::string(name),
              "names may only contain letters, digits, '-' and '_'");
    }
    return ok;
}

void Parser::check_kerberos(FileTable& k, const toml::table& raw) {
    const auto fail = [&](std::string_view key, const std::string& what) {
        const FileValue* value = k.get(key);
        error(value != nullptr ? value->line : k.line, "kerberos." + std::string(key), what);
    };
    // Missing, not merely invalid (an invalid realm has its own error already).
    if (!raw.contains("realm")) {
        error(k.line, "kerberos.realm",
              "missing: the Kerberos realm, the AD DNS domain in upper case (e.g. CORP.EXAMPLE.COM)");
    }
    const auto realm = k.text("realm");
    if (const auto user = k.text("service_user"); user && realm && user->substr(user->rfind('@') + 1) != *realm) {
        fail("service_user", "the realm of " + quote_value(*user) + " is not kerberos.realm " + quote_value(*realm) +
                                 " (realms are case-sensitive)");
        k.values.erase("service_user");
    }
    const bool has_user = k.get("service_user") != nullptr;
    if (k.get("keytab") != nullptr && k.get("password_file") != nullptr) {
        fail(k.get("keytab")->line > k.get("password_file")->line ? "keytab" : "password_file",
             "keytab and password_file are mutually exclusive: keep one");
    } else if (has_user && k.get("keytab") == nullptr && k.get("password_file") == nullptr) {
        fail("service_user", "needs keytab or password_file to get Kerberos credentials");
    }
    for (const std::string_view key : {"keytab", "password_file"}) {
        if (k.get(key) != nullptr && !has_user)
            fail(key, "needs service_user (the principal whose key or password this is)");
    }
}

void Parser::check_ca(FileTable& ca, const toml::table& raw) {
    const std::string path = "ca." + ca.name;
    if (!raw.contains("scep_url"))
        error(ca.line, path + ".scep_url", "missing: every [ca.NAME] needs the server's SCEP URL");
    const bool has_service_user = m_config.kerberos && m_config.kerberos->get("service_user") != nullptr;
    if (ca.text("prefer_kerberos") == "true" && !has_service_user) {
        error(ca.get("prefer_kerberos")->line, path + ".prefer_kerberos",
              "prefer_kerberos = true needs a [kerberos] table with service_user");
    }
    if (raw.contains("username") && !raw.contains("password_file")) {
        error(line_of(raw, "username", ca.line), path + ".username",
              "needs password_file (the password for username, never written inline)");
    } else if (raw.contains("password_file") && !raw.contains("username")) {
        error(line_of(raw, "password_file", ca.line), path + ".password_file",
              "needs username (the account whose password this is)");
    }
}

void Parser::check_profile(FileTable& p, const toml::table& raw) {
    const std::string path = "profile." + p.name;
    const std::string defined =
        m_ca_names.empty() ? "no [ca.NAME] table is defined" : "defined: " + util::join(m_ca_names);
    if (const auto* ca = raw.get("ca")) {
        const std::uint32_t line = line_of(raw, "ca", p.line);
        const auto* name = ca->as_string();
        if (name == nullptr) {
            error(line, path + ".ca", "expected a string, got " + type_name(*ca));
        } else if (std::find(m_ca_names.begin(), m_ca_names.end(), name->get()) == m_ca_names.end()) {
            error(line, path + ".ca", "there is no [ca." + name->get() + "] table (" + defined + ")");
        } else {
            p.values.emplace("ca", FileValue{{name->get()}, line, path + ".ca"});
        }
    } else {
        error(p.line, path + ".ca", "missing: name the [ca.NAME] this profile enrolls with (" + defined + ")");
    }
    const FileValue* allowed = p.get("allowed_digests");
    if (allowed != nullptr && allowed->values.empty()) {
        error(allowed->line, path + ".allowed_digests", "must name at least one of sha256, sha512, sha1");
    }
    const auto digest = p.text("digest");
    if (digest && allowed != nullptr && !allowed->values.empty() &&
        std::find(allowed->values.begin(), allowed->values.end(), *digest) == allowed->values.end()) {
        error(p.get("digest")->line, path + ".digest",
              quote_value(*digest) + " is not in allowed_digests (" + util::join(allowed->values) + ")");
    }
}

void Parser::read_kerberos(const toml::node& node, std::uint32_t line) {
    const auto* table = node.as_table();
    if (table == nullptr) {
        error(line, "kerberos", "expected a table [kerberos] (at most one), got " + type_name(node));
        return;
    }
    auto k = read_table(*table, Table::kerberos, "kerberos", node_line(node, line), "");
    if (!k) return;
    check_kerberos(*k, *table);
    m_config.kerberos = std::move(*k);
}

void Parser::read_cas(const toml::node& node, std::uint32_t line) {
    const toml::table* cas = named_tables(node, line, "ca");
    if (cas == nullptr) return;
    for (const auto& [key, value] : *cas)
        m_ca_names.emplace_back(key.str());
    for (const auto& [key, value] : *cas) {
        const std::string path = "ca." + std::string(key.str());
        const auto* table = value.as_table();
        if (table == nullptr) {
            error(key.source().begin.line, path, "expected a table [" + path + "], got " + type_name(value));
            continue;
        }
        if (!valid_name("ca", key)) continue;
        auto ca =
            read_table(*table, Table::ca, path, node_line(value, key.source().begin.line), std::string(key.str()));
        if (!ca) continue;
        check_ca(*ca, *table);
        m_config.cas.emplace(ca->name, std::move(*ca));
    }
}

void Parser::read_profiles(const toml::node& node, std::uint32_t line) {
    const toml::table* profiles = named_tables(node, line, "profile");
    if (profiles == nullptr) return;
    for (const auto& [key, value] : *profiles) {
        const std::string path = "profile." + std::string(key.str());
        const auto* table = value.as_table();
        if (table == nullptr) {
            error(key.source().begin.line, path, "expected a table [" + path + "], got " + type_name(value));
            continue;
        }
        if (!valid_name("profile", key)) continue;
        auto p =
            read_table(*table, Table::profile, path, node_line(value, key.source().begin.line), std::string(key.str()));
        if (!p) continue;
        check_profile(*p, *table);
        m_config.profiles.emplace(p->name, std::move(*p));
    }
}

util::Result<Config> Parser::parse(std::string_view text) {
    SCEP_TRY(const toml::table root, read_toml(text, m_source));
    for (const auto& [key, node] : root) {
        const std::string_view name = key.str();
        if (std::find(k_top_level_keys.begin(), k_top_level_keys.end(), name) != k_top_level_keys.end()) continue;
        const std::uint32_t line = key.source().begin.line;
        if (const auto hint = secret_hint(name)) {
            error(line, name, *hint);
        } else if (const auto near = closest_key(
                       name, std::vector<std::string_view>(k_top_level_keys.begin(), k_top_level_keys.end()))) {
            error(line, name, "unknown table (did you mean [" + std::string(*near) + "]?)");
        } else {
            error(line, name,
                  "unknown " + std::string(node.is_table() ? "table" : "key") +
                      ": settings go in [kerberos], [ca.NAME] or [profile.NAME]");
        }
    }
    // Kerberos first, then CAs, then profiles: each may refer to the ones before, wherever they are in the file.
    for (const std::string_view name : k_top_level_keys) {
        const auto it = root.find(name);
        if (it == root.end()) continue;
        const std::uint32_t line = it->first.source().begin.line;
        if (name == "kerberos")
            read_kerberos(it->second, line);
        else if (name == "ca")
            read_cas(it->second, line);
        else
            read_profiles(it->second, line);
    }
    if (!m_errors.empty()) {
        std::stable_sort(m_errors.begin(), m_errors.end(),
                         [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
        Error error(ErrorCode::config, m_errors.front().text);
        for (std::size_t i = 1; i < m_errors.size(); ++i)
            error.with_detail(m_errors[i].text);
        return error;
    }
    return std::move(m_config);
}

util::Result<std::string> read_config_text(const std::string& path) {
    const auto fail = [&path](int err) {
        return Error(ErrorCode::config, "cannot read config file " + path + ": " + std::strerror(err));
    };
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(errno);
    // Not only regular files: --config <(generate-config) is a pipe.
    struct stat st {};
    if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        const int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
        ::close(fd);
        return fail(err);
    }
    std::string text;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            return fail(err);
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > k_max_config_size) {
            ::close(fd);
            return Error(ErrorCode::config, "cannot read config file " + path + ": larger than 1 MiB");
        }
    }
    ::close(fd);
    return text;
}

// A path that must exist because the user named it; `origin` says where the name came from.
util::Result<std::optional<std::string>> required_config_file(const std::string& path, const char* origin) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return std::optional<std::string>(path);
    const int err = errno;
    if (err == ENOENT) {
        return Error(ErrorCode::config, "config file " + path + " (from " + origin + ") does not exist");
    }
    return Error(ErrorCode::config,
                 "cannot access config file " + path + " (from " + origin + "): " + std::strerror(err));
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

} // namespace

util::Result<Config> parse_config(std::string_view text, const std::string& source) {
    return Parser(source).parse(text);
}

util::Result<Config> load_config(const std::string& path) {
    SCEP_TRY(const std::string text, read_config_text(path));
    SCEP_TRY(Config config, Parser(path).parse(text));
    config.path = path;
    return config;
}

util::Result<std::optional<std::string>> find_config_file(const std::string& explicit_path) {
    if (!explicit_path.empty()) return required_config_file(explicit_path, "--config");
    if (const char* env = std::getenv("SCEPCTL_CONFIG"); env != nullptr && *env != '\0') {
        return required_config_file(env, "SCEPCTL_CONFIG");
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        const std::string user_config = std::string(home) + "/.config/scepctl/config.toml";
        if (file_exists(user_config)) return std::optional<std::string>(user_config);
    }
    if (file_exists(std::string(k_system_config))) return std::optional<std::string>(std::string(k_system_config));
    return std::optional<std::string>();
}

} // namespace config
