// The TOML config loader. Every table is read against a fixed list of keys, so a typo is an error
// with a hint, never a silently ignored setting. All problems are collected; the first in file
// order becomes the message and the rest go to the error's details.
#include "config/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <utility>
#include <variant>

#include <toml++/toml.h>

#include <openssl/objects.h>

#include "ossl/errors.hpp"
#include "util/bytes.hpp"
#include "scep/certificate.hpp"
#include "scep/subject.hpp"

namespace config {

bool valid_timeout_seconds(double seconds) {
    // Written so that NaN fails too.
    return seconds >= k_min_timeout_seconds && seconds <= k_max_timeout_seconds;
}

const ProfileConfig* Config::profile(std::string_view name) const {
    const auto it = profiles.find(name);
    return it == profiles.end() ? nullptr : &it->second;
}

const CaConfig* Config::ca(std::string_view name) const {
    const auto it = cas.find(name);
    return it == cas.end() ? nullptr : &it->second;
}

namespace {

namespace fs = std::filesystem;
using util::Error;
using util::ErrorCode;
using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 6> k_kerberos_keys{"realm",  "kdc",           "service_user",
                                                          "keytab", "password_file", "allowed_domains"};
constexpr std::array<std::string_view, 10> k_ca_keys{"type",     "scep_url",      "challenge_url",  "prefer_kerberos",
                                                     "username", "password_file", "ca_fingerprint", "tls_ca_file",
                                                     "timeout",  "message"};
constexpr std::array<std::string_view, 17> k_profile_keys{
    "ca",      "subject",         "san",       "key_size",      "key_usage",    "eku",    "cipher",
    "digest",  "allowed_digests", "max_polls", "poll_interval", "poll_timeout", "method", "out_dir",
    "key_out", "cert_out",        "chain_out"};
constexpr std::array<std::string_view, 3> k_top_level_keys{"kerberos", "ca", "profile"};

constexpr std::array<std::string_view, 2> k_ca_types{"microsoft", "generic"};
constexpr std::array<std::string_view, 3> k_key_usages{"signature", "encryption", "both"};
constexpr std::array<std::string_view, 3> k_ciphers{"aes128", "aes256", "des3"};
constexpr std::array<std::string_view, 3> k_digests{"sha256", "sha512", "sha1"};
constexpr std::array<std::string_view, 3> k_methods{"auto", "get", "post"};

constexpr std::string_view k_password_hint =
    "secrets are not allowed inline: use password_file (a file readable only by its owner)";
constexpr std::string_view k_challenge_hint = "secrets are not allowed inline: use --challenge-file or challenge_url";
constexpr std::string_view k_system_config = "/etc/scepctl/config.toml";
constexpr std::size_t k_max_config_size = 1024 * 1024;

std::string to_upper_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

bool contains(Keys keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string join(Keys keys) {
    std::string out;
    for (const auto key : keys) {
        if (!out.empty()) out += ", ";
        out += key;
    }
    return out;
}

// Values are echoed in messages; control characters are escaped so a message stays one line.
std::string quote_value(std::string_view value) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += k_hex[byte >> 4];
            out += k_hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

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
std::optional<std::string_view> closest_key(std::string_view key, Keys known) {
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

bool is_http_url(std::string_view url) {
    const std::string lower = util::to_lower_ascii(url);
    std::size_t start = 0;
    if (lower.starts_with("http://"))
        start = 7;
    else if (lower.starts_with("https://"))
        start = 8;
    else
        return false;
    for (const char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
    }
    const std::size_t end = url.find_first_of("/?#", start);
    return end != start && start < url.size();
}

bool has_user_info(std::string_view url) {
    const std::size_t start = url.find("://");
    if (start == std::string_view::npos) return false;
    const std::size_t end = url.find_first_of("/?#", start + 3);
    return url.substr(start + 3, end == std::string_view::npos ? std::string_view::npos : end - start - 3).find('@') !=
           std::string_view::npos;
}

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

// "host", "host:port", "[v6addr]" or "[v6addr]:port".
bool is_kdc_address(std::string_view text) {
    std::string_view host = text;
    std::optional<std::string_view> port;
    if (text.starts_with('[')) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (!rest.starts_with(':')) return false;
            port = rest.substr(1);
        }
        if (!std::all_of(host.begin(), host.end(),
                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; })) {
            return false;
        }
    } else {
        const std::size_t colon = text.find(':');
        if (colon != std::string_view::npos) {
            host = text.substr(0, colon);
            port = text.substr(colon + 1);
        }
        if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_char)) return false;
    }
    if (port) {
        if (port->empty() || port->size() > 5) return false;
        int value = 0;
        for (const char c : *port) {
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        if (value < 1 || value > 65535) return false;
    }
    return true;
}

// The template's syntax and the DN it makes, with every variable standing in as "x": the real
// values are only known at enroll time.
util::Result<void> check_subject_template(std::string_view subject) {
    const scep::VariableLookup placeholder = [](std::string_view) -> std::optional<std::string> { return "x"; };
    SCEP_TRY(const std::string expanded, scep::expand_template(subject, placeholder));
    SCEP_TRY_VOID(scep::parse_distinguished_name(expanded));
    return {};
}

// As the CSR builder resolves --eku: a short name OpenSSL knows or a dotted OID.
bool is_known_object(const std::string& name) {
    ASN1_OBJECT* obj = OBJ_txt2obj(name.c_str(), 0);
    if (obj == nullptr) {
        ossl::clear_errors();
        return false;
    }
    ASN1_OBJECT_free(obj);
    return true;
}

// A secret file the config names; load_config checks it exists and is private.
struct SecretRef {
    std::string key_path;
    std::uint32_t line = 0;
    std::string path;
};

struct Diagnostic {
    std::uint32_t line = 0;
    std::string text;
};

class Parser {
  public:
    explicit Parser(std::string source) : m_source(std::move(source)), m_base_dir(fs::path(m_source).parent_path()) {}

    util::Result<Config> parse(std::string_view text);
    const std::vector<SecretRef>& secrets() const { return m_secrets; }

    void error(std::uint32_t line, std::string_view key_path, std::string_view what) {
        m_errors.push_back(
            {line, m_source + ":" + std::to_string(line) + ": " + std::string(key_path) + ": " + std::string(what)});
    }
    void secret(std::string key_path, std::uint32_t line, std::string path) {
        m_secrets.push_back({std::move(key_path), line, std::move(path)});
    }
    std::optional<std::string> resolve_path(const std::string& value, std::uint32_t line, std::string_view key_path);

  private:
    void read_kerberos(const toml::node& node, std::uint32_t line);
    void read_cas(const toml::node& node, std::uint32_t line);
    void read_profiles(const toml::node& node, std::uint32_t line);
    const toml::table* named_tables(const toml::node& node, std::uint32_t line, std::string_view kind);
    bool valid_name(std::string_view kind, const toml::key& key);

    std::string m_source;
    fs::path m_base_dir;
    Config m_config;
    bool m_has_service_user = false;
    std::vector<std::string> m_ca_names;
    std::vector<Diagnostic> m_errors;
    std::vector<SecretRef> m_secrets;
};

std::uint32_t node_line(const toml::node& node, std::uint32_t fallback) {
    const auto line = node.source().begin.line;
    return line > 0 ? line : fallback;
}

// One table being read. The constructor reports unknown keys; the getters report wrong types and
// return nullopt for missing or bad values, so callers only validate meaning.
class TableReader {
  public:
    TableReader(Parser& parser, const toml::table& table, std::string path, std::uint32_t line, Keys known,
                std::string_view kind)
        : m_parser(parser), m_table(table), m_path(std::move(path)), m_line(line) {
        for (const auto& [key, node] : table) {
            const std::string_view name = key.str();
            if (contains(known, name)) continue;
            const std::uint32_t key_line = key.source().begin.line > 0 ? key.source().begin.line : line;
            if (const auto hint = secret_hint(name)) {
                parser.error(key_line, key_path(name), *hint);
            } else if (const auto near = closest_key(name, known)) {
                parser.error(key_line, key_path(name), "unknown key (did you mean " + std::string(*near) + "?)");
            } else if (const auto like = secret_like_hint(name)) {
                parser.error(key_line, key_path(name), *like);
            } else {
                parser.error(key_line, key_path(name),
                             "unknown key in " + std::string(kind) + " (known keys: " + join(known) + ")");
            }
        }
    }

    std::uint32_t line() const { return m_line; }
    const std::string& path() const { return m_path; }
    bool has(std::string_view key) const { return m_table.contains(key); }

    std::string key_path(std::string_view key) const { return m_path + "." + std::string(key); }

    std::uint32_t line_of(std::string_view key) const {
        const auto it = m_table.find(key);
        if (it == m_table.end()) return m_line;
        if (it->first.source().begin.line > 0) return it->first.source().begin.line;
        return node_line(it->second, m_line);
    }

    // Where element `index` of array `key` is, and its name ("profile.x.san[1]").
    std::uint32_t element_line(std::string_view key, std::size_t index) const {
        const auto* array = m_table.get_as<toml::array>(key);
        if (array == nullptr || array->get(index) == nullptr) return line_of(key);
        return node_line(*array->get(index), line_of(key));
    }
    std::string element_path(std::string_view key, std::size_t index) const {
        return key_path(key) + "[" + std::to_string(index) + "]";
    }
    void fail_element(std::string_view key, std::size_t index, std::string_view what) const {
        m_parser.error(element_line(key, index), element_path(key, index), what);
    }

    void fail(std::string_view key, std::string_view what) const { m_parser.error(line_of(key), key_path(key), what); }
    void missing(std::string_view key, std::string_view why) const {
        m_parser.error(m_line, key_path(key), "missing: " + std::string(why));
    }

    std::optional<std::string> string(std::string_view key) const {
        const toml::node* node = m_table.get(key);
        if (node == nullptr) return std::nullopt;
        const auto* value = node->as_string();
        if (value == nullptr) {
            fail(key, "expected a string, got " + type_name(*node));
            return std::nullopt;
        }
        return checked_string(value->get(), key_path(key), line_of(key));
    }

    std::optional<std::string> choice(std::string_view key, Keys allowed) const {
        auto value = string(key);
        if (value && !contains(allowed, *value)) {
            fail(key, quote_value(*value) + " is not one of " + join(allowed));
            return std::nullopt;
        }
        return value;
    }

    std::optional<bool> boolean(std::string_view key) const {
        const toml::node* node = m_table.get(key);
        if (node == nullptr) return std::nullopt;
        if (const auto* value = node->as_boolean()) return value->get();
        fail(key, "expected a boolean (true or false), got " + type_name(*node));
        return std::nullopt;
    }

    // An int in [min, max]; `range` says it in words for the message.
    std::optional<int> integer(std::string_view key, std::int64_t min, std::int64_t max, std::string_view range) const {
        const toml::node* node = m_table.get(key);
        if (node == nullptr) return std::nullopt;
        const auto* value = node->as_integer();
        if (value == nullptr) {
            fail(key, "expected an integer, got " + type_name(*node));
            return std::nullopt;
        }
        const std::int64_t number = value->get();
        if (number < min || number > max) {
            fail(key, std::to_string(number) + " is out of range: " + std::string(range));
            return std::nullopt;
        }
        return static_cast<int>(number);
    }

    // Seconds may be written 30 or 2.5.
    std::optional<double> seconds(std::string_view key) const {
        const toml::node* node = m_table.get(key);
        if (node == nullptr) return std::nullopt;
        double number = 0;
        if (const auto* i = node->as_integer())
            number = static_cast<double>(i->get());
        else if (const auto* f = node->as_floating_point())
            number = f->get();
        else {
            fail(key, "expected a number of seconds (integer or float), got " + type_name(*node));
            return std::nullopt;
        }
        if (!valid_timeout_seconds(number)) {
            char shown[32];
            std::snprintf(shown, sizeof shown, "%g", number);
            fail(key, std::string(shown) + " is out of range: " + k_timeout_range);
            return std::nullopt;
        }
        return number;
    }

    std::optional<std::vector<std::string>> strings(std::string_view key) const {
        const toml::node* node = m_table.get(key);
        if (node == nullptr) return std::nullopt;
        const auto* array = node->as_array();
        if (array == nullptr) {
            fail(key, "expected an array of strings, got " + type_name(*node));
            return std::nullopt;
        }
        std::vector<std::string> out;
        bool ok = true;
        for (std::size_t i = 0; i < array->size(); ++i) {
            const toml::node& element = (*array)[i];
            const std::string element_path = key_path(key) + "[" + std::to_string(i) + "]";
            const std::uint32_t element_line = node_line(element, line_of(key));
            const auto* value = element.as_string();
            if (value == nullptr) {
                m_parser.error(element_line, element_path,
                               "expected a string (the value must be an array of strings), got " + type_name(element));
                ok = false;
                continue;
            }
            auto text = checked_string(value->get(), element_path, element_line);
            if (!text) {
                ok = false;
                continue;
            }
            out.push_back(std::move(*text));
        }
        if (!ok) return std::nullopt;
        return out;
    }

    std::optional<std::string> path_value(std::string_view key) const {
        auto value = string(key);
        if (!value) return std::nullopt;
        return m_parser.resolve_path(*value, line_of(key), key_path(key));
    }

    // A path to a secret: resolved and remembered for load_config's checks.
    std::optional<std::string> secret_path(std::string_view key) const {
        auto value = path_value(key);
        if (value) m_parser.secret(key_path(key), line_of(key), *value);
        return value;
    }

    std::optional<std::string> url(std::string_view key) const {
        auto value = string(key);
        if (!value) return std::nullopt;
        if (has_user_info(*value)) {
            // Never echo it: the user-info part is a password.
            fail(key, "user:password@ in the URL is not allowed (secrets are not allowed inline: use username and "
                      "password_file)");
            return std::nullopt;
        }
        if (!is_http_url(*value)) {
            fail(key, quote_value(*value) + " is not a http(s) URL");
            return std::nullopt;
        }
        return value;
    }

  private:
    std::optional<std::string> checked_string(const std::string& value, const std::string& path,
                                              std::uint32_t line) const {
        if (value.empty()) {
            m_parser.error(line, path, "must not be empty (remove the key to use the default)");
            return std::nullopt;
        }
        if (value.find('\0') != std::string::npos) {
            m_parser.error(line, path, "must not contain a NUL character");
            return std::nullopt;
        }
        return value;
    }

    Parser& m_parser;
    const toml::table& m_table;
    std::string m_path;
    std::uint32_t m_line;
};

std::optional<std::string> Parser::resolve_path(const std::string& value, std::uint32_t line,
                                                std::string_view key_path) {
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

void Parser::read_kerberos(const toml::node& node, std::uint32_t line) {
    const auto* table = node.as_table();
    if (table == nullptr) {
        error(line, "kerberos", "expected a table [kerberos] (at most one), got " + type_name(node));
        return;
    }
    TableReader r(*this, *table, "kerberos", node_line(node, line), k_kerberos_keys, "[kerberos]");
    KerberosConfig k;
    k.line = r.line();

    bool realm_ok = false;
    if (auto realm = r.string("realm")) {
        const bool has_lower = std::any_of(realm->begin(), realm->end(), [](char c) { return c >= 'a' && c <= 'z'; });
        const bool has_bad = std::any_of(realm->begin(), realm->end(), [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || c == '@' || c == '/' || c == ':';
        });
        if (has_bad) {
            r.fail("realm", quote_value(*realm) + " is not a Kerberos realm: use the AD DNS domain in upper case, e.g. "
                                                  "CORP.EXAMPLE.COM");
        } else if (has_lower) {
            r.fail("realm", quote_value(*realm) + " must be upper case: use the AD DNS domain in upper case (" +
                                quote_value(to_upper_ascii(*realm)) + ")");
        } else {
            k.realm = std::move(*realm);
            realm_ok = true;
        }
    } else if (!r.has("realm")) {
        r.missing("realm", "the Kerberos realm, the AD DNS domain in upper case (e.g. CORP.EXAMPLE.COM)");
    }

    if (auto kdcs = r.strings("kdc")) {
        for (std::size_t i = 0; i < kdcs->size(); ++i) {
            if (!is_kdc_address((*kdcs)[i])) {
                r.fail_element("kdc", i, quote_value((*kdcs)[i]) + " is not \"host\" or \"host:port\" (port 1-65535)");
            }
        }
        k.kdc = std::move(*kdcs);
    }

    if (auto user = r.string("service_user")) {
        const std::size_t at = user->rfind('@');
        if (at == std::string::npos || at == 0 || at + 1 == user->size()) {
            r.fail("service_user", quote_value(*user) + " is not user@REALM (e.g. svc-scep@" +
                                       (realm_ok ? k.realm : std::string("CORP.EXAMPLE.COM")) + ")");
        } else if (realm_ok && user->substr(at + 1) != k.realm) {
            r.fail("service_user", "the realm of " + quote_value(*user) + " is not kerberos.realm " +
                                       quote_value(k.realm) + " (realms are case-sensitive)");
        } else {
            k.service_user = std::move(*user);
        }
    }
    m_has_service_user = r.has("service_user");

    if (r.has("keytab") && r.has("password_file")) {
        const std::string_view later = r.line_of("keytab") > r.line_of("password_file") ? "keytab" : "password_file";
        r.fail(later, "keytab and password_file are mutually exclusive: keep one");
    } else if (m_has_service_user && !r.has("keytab") && !r.has("password_file")) {
        r.fail("service_user", "needs keytab or password_file to get Kerberos credentials");
    }
    for (const std::string_view key : {"keytab", "password_file"}) {
        if (r.has(key) && !m_has_service_user) {
            r.fail(key, "needs service_user (the principal whose key or password this is)");
        }
    }
    if (auto keytab = r.secret_path("keytab")) k.keytab = std::move(*keytab);
    if (auto password_file = r.secret_path("password_file")) k.password_file = std::move(*password_file);

    if (auto domains = r.strings("allowed_domains")) {
        for (std::size_t i = 0; i < domains->size(); ++i) {
            const std::string& original = (*domains)[i];
            std::string domain = util::to_lower_ascii(original);
            if (domain.starts_with('.')) domain.erase(0, 1);
            if (domain.find('*') != std::string::npos) {
                r.fail_element("allowed_domains", i,
                               quote_value(original) + ": wildcards are not allowed (a suffix such as "
                                                       "\"example.com\" already covers every host below it)");
            } else if (domain.empty() || domain.back() == '.' || domain.find("..") != std::string::npos) {
                r.fail_element("allowed_domains", i, quote_value(original) + " has an empty label");
            } else if (!std::all_of(domain.begin(), domain.end(), is_host_char)) {
                r.fail_element("allowed_domains", i, quote_value(original) + " is not a DNS suffix");
            } else {
                k.allowed_domains.push_back(std::move(domain));
            }
        }
    }
    m_config.kerberos = std::move(k);
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
        TableReader r(*this, *table, path, node_line(value, key.source().begin.line), k_ca_keys, "[ca.NAME]");
        CaConfig ca;
        ca.name = std::string(key.str());
        ca.line = r.line();
        if (auto type = r.choice("type", k_ca_types)) ca.type = std::move(*type);
        if (auto url = r.url("scep_url"))
            ca.scep_url = std::move(*url);
        else if (!r.has("scep_url"))
            r.missing("scep_url", "every [ca.NAME] needs the server's SCEP URL");
        if (auto url = r.url("challenge_url")) ca.challenge_url = std::move(*url);
        if (auto prefer = r.boolean("prefer_kerberos")) {
            ca.prefer_kerberos = *prefer;
            if (*prefer && !m_has_service_user) {
                r.fail("prefer_kerberos", "prefer_kerberos = true needs a [kerberos] table with service_user");
            }
        }
        if (r.has("username") && !r.has("password_file")) {
            r.fail("username", "needs password_file (the password for username, never written inline)");
        } else if (r.has("password_file") && !r.has("username")) {
            r.fail("password_file", "needs username (the account whose password this is)");
        }
        if (auto user = r.string("username")) ca.username = std::move(*user);
        if (auto password_file = r.secret_path("password_file")) ca.password_file = std::move(*password_file);
        if (auto fingerprint = r.string("ca_fingerprint")) {
            if (auto parsed = scep::parse_fingerprint(*fingerprint); !parsed) {
                r.fail("ca_fingerprint", parsed.error().message);
            } else {
                ca.ca_fingerprint = std::move(*fingerprint);
            }
        }
        if (auto file = r.path_value("tls_ca_file")) ca.tls_ca_file = std::move(*file);
        ca.timeout = r.seconds("timeout");
        if (auto message = r.string("message")) ca.message = std::move(*message);
        m_config.cas.emplace(ca.name, std::move(ca));
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
        TableReader r(*this, *table, path, node_line(value, key.source().begin.line), k_profile_keys, "[profile.NAME]");
        ProfileConfig p;
        p.name = std::string(key.str());
        p.line = r.line();
        const std::string defined =
            m_ca_names.empty()
                ? "no [ca.NAME] table is defined"
                : "defined: " + join(std::vector<std::string_view>(m_ca_names.begin(), m_ca_names.end()));
        if (auto ca = r.string("ca")) {
            if (std::find(m_ca_names.begin(), m_ca_names.end(), *ca) == m_ca_names.end()) {
                r.fail("ca", "there is no [ca." + *ca + "] table (" + defined + ")");
            } else {
                p.ca = std::move(*ca);
            }
        } else if (!r.has("ca")) {
            r.missing("ca", "name the [ca.NAME] this profile enrolls with (" + defined + ")");
        }
        constexpr std::int64_t k_int_max = std::numeric_limits<int>::max();
        if (auto subject = r.string("subject")) {
            if (auto checked = check_subject_template(*subject); !checked) {
                r.fail("subject", checked.error().message);
            } else {
                p.subject = std::move(*subject);
            }
        }
        if (auto sans = r.strings("san")) {
            bool ok = true;
            for (std::size_t i = 0; i < sans->size(); ++i) {
                // ${var} templates as in --san: checked with a stand-in of the right shape.
                const std::string& spec = (*sans)[i];
                const bool ip = util::to_lower_ascii(spec).rfind("ip:", 0) == 0;
                const scep::VariableLookup placeholder = [ip](std::string_view) -> std::optional<std::string> {
                    return ip ? "192.0.2.1" : "x";
                };
                auto expanded = scep::expand_template(spec, placeholder);
                if (!expanded) {
                    r.fail_element("san", i, expanded.error().message);
                    ok = false;
                } else if (auto parsed = scep::parse_subject_alt_name(*expanded); !parsed) {
                    r.fail_element("san", i, parsed.error().message);
                    ok = false;
                }
            }
            if (ok) p.san = std::move(*sans);
        }
        if (auto size = r.integer("key_size", 0, k_int_max, "use 2048, 3072 or 4096")) {
            if (*size != 2048 && *size != 3072 && *size != 4096) {
                r.fail("key_size", std::to_string(*size) + " is not 2048, 3072 or 4096");
            } else {
                p.key_size = size;
            }
        }
        p.key_usage = r.choice("key_usage", k_key_usages);
        if (auto ekus = r.strings("eku")) {
            bool ok = true;
            for (std::size_t i = 0; i < ekus->size(); ++i) {
                if (!is_known_object((*ekus)[i])) {
                    r.fail_element("eku", i,
                                   "unknown extended key usage " + quote_value((*ekus)[i]) +
                                       " (use e.g. clientAuth, serverAuth or a dotted OID)");
                    ok = false;
                }
            }
            if (ok) p.eku = std::move(*ekus);
        }
        p.cipher = r.choice("cipher", k_ciphers);
        p.digest = r.choice("digest", k_digests);
        if (auto allowed = r.strings("allowed_digests")) {
            bool ok = !allowed->empty();
            if (!ok) r.fail("allowed_digests", "must name at least one of " + join(k_digests));
            for (std::size_t i = 0; i < allowed->size(); ++i) {
                if (!contains(k_digests, (*allowed)[i])) {
                    r.fail_element("allowed_digests", i,
                                   quote_value((*allowed)[i]) + " is not one of " + join(k_digests));
                    ok = false;
                }
            }
            if (ok) p.allowed_digests = std::move(*allowed);
        }
        if (p.digest && !p.allowed_digests.empty() &&
            std::find(p.allowed_digests.begin(), p.allowed_digests.end(), *p.digest) == p.allowed_digests.end()) {
            r.fail("digest",
                   quote_value(*p.digest) + " is not in allowed_digests (" +
                       join(std::vector<std::string_view>(p.allowed_digests.begin(), p.allowed_digests.end())) + ")");
        }
        p.max_polls = r.integer("max_polls", 0, k_int_max, "must be 0 or more");
        p.poll_interval = r.integer("poll_interval", 1, k_int_max, "must be at least 1 second");
        p.poll_timeout = r.integer("poll_timeout", 1, k_int_max, "must be at least 1 second");
        p.method = r.choice("method", k_methods);
        p.out_dir = r.path_value("out_dir");
        p.key_out = r.path_value("key_out");
        p.cert_out = r.path_value("cert_out");
        p.chain_out = r.path_value("chain_out");
        m_config.profiles.emplace(p.name, std::move(p));
    }
}

// toml++ 3.3.0 (Debian 12) reaches __builtin_unreachable, i.e. undefined behaviour, when its
// whitespace test meets U+00A1-U+0499, U+2CEE-U+30E7 or U+FBB6-U+FEFE (upstream issues 190 and
// 295, fixed after 3.3.0). It asks that question of every character it reads outside strings and
// comments, and in a multi-line basic string of the character after a backslash and of each one
// it trims after a line-ending backslash. TOML allows non-ASCII text only inside strings and
// comments, so TomlTextGuard walks the text as toml++ does and refuses non-ASCII text anywhere
// else, before toml++ sees it. It must agree with toml++ on where strings and comments start: a
// string starts only where a key or a value starts (in `a = 0"x"` the quote belongs to the bare
// value 0"x", as toml++ reads it). Where the text leaves TOML's grammar toml++ stops with a syntax
// error at or before that point; the guard then refuses every non-ASCII character after it.
struct TextProblem {
    std::size_t offset = 0; // of the refused character, in bytes
    std::string what;
    // Where the guard lost TOML's grammar before `offset` (toml++'s syntax error is there or earlier).
    std::optional<std::size_t> syntax_error;
};

constexpr std::string_view k_non_ascii_outside =
    "non-ASCII character outside a string or comment (keys and values other than strings are ASCII in TOML: put "
    "the text in quotes)";
constexpr std::string_view k_non_ascii_after_backslash =
    "a non-ASCII character right after a backslash in a multi-line string: write it as \\uXXXX";
constexpr std::string_view k_non_ascii_continued =
    "a non-ASCII character right after a line-ending backslash in a multi-line string: start the line with an "
    "ASCII character or write it as \\uXXXX";

class TomlTextGuard {
  public:
    explicit TomlTextGuard(std::string_view text) : m_text(text) {}

    std::optional<TextProblem> check() {
        if (document()) return std::nullopt;
        if (m_problem) return m_problem;
        const std::size_t lost_at = m_pos;
        for (; m_pos < m_text.size(); ++m_pos) {
            if (non_ascii()) return TextProblem{m_pos, std::string(k_non_ascii_outside), lost_at};
        }
        return std::nullopt;
    }

  private:
    static constexpr int k_eof = -1;
    // toml++ allows 256 nested arrays and inline tables; deeper, the guard gives up (refuses more).
    static constexpr int k_max_depth = 256;

    int peek(std::size_t ahead = 0) const {
        return m_pos + ahead < m_text.size() ? static_cast<unsigned char>(m_text[m_pos + ahead]) : k_eof;
    }
    bool non_ascii() const { return peek() >= 0x80; }
    static bool is_bare_key_char(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
    static bool is_key_start(int c) { return is_bare_key_char(c) || c == '"' || c == '\''; }
    // toml++'s is_value_terminator, with every control character (and the end) counted in: a bare
    // value is never shorter than toml++ reads it, only at worst longer.
    static bool ends_value(int c) { return c <= ' ' || c == ']' || c == '}' || c == ',' || c == '#'; }

    void skip_blanks() {
        while (peek() == ' ' || peek() == '\t')
            ++m_pos;
    }
    bool line_break() {
        if (peek() == '\n') {
            ++m_pos;
            return true;
        }
        if (peek() == '\r' && peek(1) == '\n') {
            m_pos += 2;
            return true;
        }
        return false;
    }
    // At '#': the rest of the line, without its line break.
    void comment() {
        while (peek() != k_eof && peek() != '\n' && !(peek() == '\r' && peek(1) == '\n'))
            ++m_pos;
    }
    bool refuse(std::string_view what) {
        m_problem = TextProblem{m_pos, std::string(what), std::nullopt};
        return false;
    }
    // Text toml++ does not accept here: a non-ASCII character is refused, anything else is a
    // syntax error toml++ reports itself.
    bool unexpected() {
        if (non_ascii()) return refuse(k_non_ascii_outside);
        return false;
    }

    bool document() {
        for (;;) {
            skip_blanks();
            const int c = peek();
            if (c == k_eof) return true;
            if (line_break()) continue;
            if (c == '#') {
                comment();
                continue;
            }
            if (c == '[') {
                if (!table_header()) return false;
            } else if (is_key_start(c)) {
                if (!key_value(0)) return false;
            } else {
                return unexpected();
            }
            if (!end_of_line()) return false;
        }
    }

    // After a table header or a key-value pair: blanks, then a comment, a line break or the end.
    bool end_of_line() {
        skip_blanks();
        if (peek() == k_eof || line_break()) return true;
        if (peek() == '#') {
            comment();
            return true;
        }
        return unexpected();
    }

    bool table_header() {
        ++m_pos;
        const bool array_of_tables = peek() == '[';
        if (array_of_tables) ++m_pos;
        skip_blanks();
        if (!key()) return false;
        for (int closing = array_of_tables ? 2 : 1; closing > 0; --closing) {
            if (peek() != ']') return unexpected();
            ++m_pos;
        }
        return true;
    }

    // Dotted segments, bare or quoted, and the blanks after the key.
    bool key() {
        for (;;) {
            const int c = peek();
            if (is_bare_key_char(c)) {
                while (is_bare_key_char(peek()))
                    ++m_pos;
            } else if (c == '"' || c == '\'') {
                if (!string()) return false;
            } else {
                return unexpected();
            }
            skip_blanks();
            if (peek() != '.') return true;
            ++m_pos;
            skip_blanks();
        }
    }

    bool key_value(int depth) {
        if (!key()) return false;
        if (peek() != '=') return unexpected();
        ++m_pos;
        skip_blanks();
        return value(depth);
    }

    bool value(int depth) {
        const int c = peek();
        if (c == '"' || c == '\'') return string();
        if (c == '[') return array(depth + 1);
        if (c == '{') return inline_table(depth + 1);
        if (ends_value(c)) return unexpected();
        return bare_value();
    }

    // A number, boolean, date or time: toml++ reads on to the next value terminator, testing each
    // character, so every byte up to there must be ASCII (a quote in it starts no string).
    bool bare_value() {
        for (;;) {
            while (!ends_value(peek())) {
                if (non_ascii()) return refuse(k_non_ascii_outside);
                ++m_pos;
            }
            // A date and a time with a space between (1979-05-27 07:32:00): toml++ reads on.
            if (peek() == ' ' && peek(1) >= '0' && peek(1) <= '9') {
                ++m_pos;
                continue;
            }
            return true;
        }
    }

    // Arrays and inline tables; line breaks and comments are allowed in both (TOML 1.1 allows them
    // in inline tables too; where toml++ 3.3.0 does not, it stops with a syntax error).
    bool array(int depth) {
        if (depth > k_max_depth) return false;
        ++m_pos;
        for (;;) {
            skip_blanks();
            if (line_break()) continue;
            const int c = peek();
            if (c == '#') {
                comment();
            } else if (c == ']') {
                ++m_pos;
                return true;
            } else if (c == ',') {
                ++m_pos;
            } else if (!value(depth)) {
                return false;
            }
        }
    }

    bool inline_table(int depth) {
        if (depth > k_max_depth) return false;
        ++m_pos;
        for (;;) {
            skip_blanks();
            if (line_break()) continue;
            const int c = peek();
            if (c == '#') {
                comment();
            } else if (c == '}') {
                ++m_pos;
                return true;
            } else if (c == ',') {
                ++m_pos;
            } else if (!is_key_start(c)) {
                return unexpected();
            } else if (!key_value(depth)) {
                return false;
            }
        }
    }

    // At a quote that starts a key or a value.
    bool string() {
        const int quote = peek();
        if (peek(1) == quote && peek(2) == quote) return quote == '"' ? multi_line_basic() : multi_line_literal();
        ++m_pos;
        for (;;) {
            const int c = peek();
            if (c == k_eof || c == '\n' || c == '\r') return false; // unterminated: toml++ says so
            ++m_pos;
            if (c == quote) return true;
            if (quote == '"' && c == '\\') {
                if (peek() == k_eof) return false;
                ++m_pos; // the escaped character; toml++ tests only ASCII ones
            }
        }
    }

    // At the closing delimiter of a multi-line string: up to two more quotes are content.
    bool closes(int quote) {
        std::size_t run = 0;
        while (peek(run) == quote)
            ++run;
        if (run < 3) {
            m_pos += run;
            return false;
        }
        m_pos += std::min<std::size_t>(run, 5);
        return true;
    }

    bool multi_line_basic() {
        m_pos += 3;
        bool trimming = false; // after a line-ending backslash, toml++ tests each character for whitespace
        for (;;) {
            const int c = peek();
            if (c == k_eof) return false;
            if (c == '"') {
                trimming = false;
                if (closes('"')) return true;
                continue;
            }
            if (c == '\\') {
                ++m_pos;
                trimming = false;
                const int escaped = peek();
                if (escaped >= 0x80) return refuse(k_non_ascii_after_backslash);
                if (escaped == ' ' || escaped == '\t' || (escaped >= '\n' && escaped <= '\r')) {
                    skip_blanks();
                    if (non_ascii()) return refuse(k_non_ascii_after_backslash);
                    if (!line_break()) return false;
                    trimming = true;
                } else if (escaped == k_eof) {
                    return false;
                } else {
                    ++m_pos;
                }
                continue;
            }
            if (line_break()) continue;
            if (c >= '\n' && c <= '\r') return false; // a lone CR, VT or FF: toml++ refuses it
            if (c >= 0x80) {
                if (trimming) return refuse(k_non_ascii_continued);
            } else if (c != ' ' && c != '\t') {
                trimming = false;
            }
            ++m_pos;
        }
    }

    bool multi_line_literal() {
        m_pos += 3;
        for (;;) {
            const int c = peek();
            if (c == k_eof) return false;
            if (c == '\'') {
                if (closes('\'')) return true;
                continue;
            }
            ++m_pos;
        }
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
    std::optional<TextProblem> m_problem;
};

// Line and column (in characters, as toml++ counts them) of a byte offset.
std::pair<std::uint32_t, std::uint32_t> position_of(std::string_view text, std::size_t offset) {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++line;
            column = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++column;
        }
    }
    return {line, column};
}

util::Error syntax_error(const std::string& source, const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return Error(ErrorCode::config, source + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                                        ": TOML syntax error: " + std::string(e.description()));
}

// toml++'s table, or its syntax error.
std::variant<toml::table, toml::parse_error> parse_toml(std::string_view text, const std::string& source) {
#if TOML_EXCEPTIONS
    try {
        return toml::parse(text, std::string_view(source));
    } catch (const toml::parse_error& e) {
        return e;
    }
#else
    toml::parse_result parsed = toml::parse(text, std::string_view(source));
    if (!parsed) return parsed.error();
    return std::move(parsed).table();
#endif
}

// Windows editors save UTF-8 with a byte-order mark; TOML text starts after it.
constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";

util::Result<Config> Parser::parse(std::string_view text) {
    if (text.starts_with(k_utf8_bom)) text.remove_prefix(k_utf8_bom.size());
    if (const auto problem = TomlTextGuard(text).check()) {
        if (problem->syntax_error) {
            // toml++ names the syntax error the guard stopped at: it reads only the text before
            // the refused character, which the guard has checked.
            const auto [lost_line, lost_column] = position_of(text, *problem->syntax_error);
            const auto prefix = parse_toml(text.substr(0, problem->offset), m_source);
            if (const auto* e = std::get_if<toml::parse_error>(&prefix)) {
                const auto& begin = e->source().begin;
                if (begin.line < lost_line || (begin.line == lost_line && begin.column <= lost_column)) {
                    return syntax_error(m_source, *e);
                }
            }
        }
        const auto [line, column] = position_of(text, problem->offset);
        return Error(ErrorCode::config,
                     m_source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + problem->what);
    }
    auto parsed = parse_toml(text, m_source);
    if (const auto* e = std::get_if<toml::parse_error>(&parsed)) return syntax_error(m_source, *e);
    const toml::table root = std::move(std::get<toml::table>(parsed));

    for (const auto& [key, node] : root) {
        const std::string_view name = key.str();
        if (contains(k_top_level_keys, name)) continue;
        const std::uint32_t line = key.source().begin.line;
        if (const auto hint = secret_hint(name)) {
            error(line, name, *hint);
        } else if (const auto near = closest_key(name, k_top_level_keys)) {
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

std::string errno_text(int err) {
    return std::strerror(err);
}

util::Result<std::string> read_config_text(const std::string& path) {
    const auto fail = [&path](int err) {
        return Error(ErrorCode::config, "cannot read config file " + path + ": " + errno_text(err));
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
    return Error(ErrorCode::config, "cannot access config file " + path + " (from " + origin + "): " + errno_text(err));
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

} // namespace

util::Result<Config> parse_config(std::string_view text, const std::string& source) {
    Parser parser(source);
    return parser.parse(text);
}

util::Result<Config> load_config(const std::string& path) {
    SCEP_TRY(const std::string text, read_config_text(path));
    Parser parser(path);
    SCEP_TRY(Config config, parser.parse(text));
    config.path = path;
    for (const SecretRef& secret : parser.secrets()) {
        const std::string where = path + ":" + std::to_string(secret.line) + ": " + secret.key_path + ": ";
        struct stat st {};
        if (::stat(secret.path.c_str(), &st) != 0) {
            const int err = errno;
            if (err == ENOENT)
                return Error(ErrorCode::config, where + "secret file " + secret.path + " does not exist");
            return Error(ErrorCode::config,
                         where + "cannot access secret file " + secret.path + ": " + errno_text(err));
        }
        if (!S_ISREG(st.st_mode)) {
            return Error(ErrorCode::config, where + "secret file " + secret.path + " is not a regular file");
        }
        // Its permissions are checked when it is read, on the open file, as every secret file's
        // are (cli/secrets.hpp).
    }
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
