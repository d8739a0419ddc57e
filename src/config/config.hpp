// The TOML configuration file: [kerberos], [ca.NAME] and [profile.NAME] tables (see scepctl.toml(5)).
// Loading validates everything up front: unknown keys, wrong types and bad values are errors that
// name the file, the line and the key ("config.toml:12: ca.ndes.scep_url: not a URL").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace config {

// [kerberos]: the service account that fetches challenges from the NDES admin page.
struct KerberosConfig {
    std::string realm;                        // upper case, e.g. EXAMPLE.COM
    std::vector<std::string> kdc;             // "host" or "host:port"; empty = DNS / system krb5.conf
    std::string service_user;                 // user@REALM
    std::string keytab;                       // path; exactly one of keytab / password_file may be set
    std::string password_file;                // path
    std::vector<std::string> allowed_domains; // DNS suffixes Negotiate tokens may be sent to (lower-cased)
    int line = 0;                             // where the table starts, for messages
};

// [ca.NAME]: one SCEP server (NDES or generic).
struct CaConfig {
    std::string name;
    std::string type = "generic"; // "microsoft" | "generic"
    std::string scep_url;         // http(s) URL, required
    std::string challenge_url;    // http(s) URL of mscep_admin/, optional
    bool prefer_kerberos = false;
    std::string username; // for NTLM/Basic on the challenge page
    std::string password_file;
    std::string ca_fingerprint;    // as --ca-fingerprint accepts it (checked to parse)
    std::string tls_ca_file;       // as --cacert
    std::optional<double> timeout; // seconds, as --timeout (k_min/k_max_timeout_seconds)
    std::string message;           // as --message
    int line = 0;
};

// [profile.NAME]: what to enroll for and where to put it. Keys are the enroll options' long names
// with '_' for '-'. Unset keys stay unset so that flags > environment > file > defaults can be applied.
struct ProfileConfig {
    std::string name;
    std::string ca;                           // name of a [ca.NAME] table, required and must exist
    std::optional<std::string> subject;       // template, e.g. "CN=${userEmailAddress}"
    std::vector<std::string> san;             // as --san
    std::optional<int> key_size;              // 2048 | 3072 | 4096
    std::optional<std::string> key_usage;     // signature | encryption | both
    std::vector<std::string> eku;             // as --eku
    std::optional<std::string> cipher;        // aes128 | aes256 | des3
    std::optional<std::string> digest;        // sha256 | sha512 | sha1
    std::vector<std::string> allowed_digests; // subset of sha256/sha512/sha1: the hashes this profile may use
    std::optional<int> max_polls;             // the connector's "retry count" (>= 0)
    std::optional<int> poll_interval;         // the connector's "retry delay", seconds (>= 1)
    std::optional<int> poll_timeout;          // seconds (>= 1)
    std::optional<std::string> method;        // auto | get | post
    std::optional<std::string> out_dir;
    std::optional<std::string> key_out;
    std::optional<std::string> cert_out;
    std::optional<std::string> chain_out;
    int line = 0;
};

struct Config {
    std::string path; // the file it came from ("" for text parsed in memory)
    std::optional<KerberosConfig> kerberos;
    std::map<std::string, CaConfig, std::less<>> cas;
    std::map<std::string, ProfileConfig, std::less<>> profiles;
    std::vector<std::string> warnings; // printed once the file is loaded

    const ProfileConfig* profile(std::string_view name) const;
    const CaConfig* ca(std::string_view name) const;
};

// --timeout and [ca] timeout: the seconds one HTTP request may take, 1 ms to one day. Outside
// that range a value would round to 0 ms or overflow, both of which libcurl reads as "no limit".
constexpr double k_min_timeout_seconds = 0.001;
constexpr double k_max_timeout_seconds = 86400;
constexpr const char* k_timeout_range = "a number of seconds from 0.001 to 86400";
// True for a finite number of seconds in [k_min_timeout_seconds, k_max_timeout_seconds].
bool valid_timeout_seconds(double seconds);

// Parses and validates TOML text. `source` names it in messages (a path, or "<test>").
// Relative paths inside the file (keytab, password_file, tls_ca_file, out_dir, ...) are resolved
// against the directory of `source`. Errors have code ErrorCode::config.
util::Result<Config> parse_config(std::string_view text, const std::string& source);

// Reads and parses the file at `path` (file errors: ErrorCode::config, naming the path).
// Also checks that secret files it references (keytab, password_file) exist and are regular
// files; their permissions are checked where they are read (read_secret_file, cli/secrets.hpp).
util::Result<Config> load_config(const std::string& path);

// Which file to use: `explicit_path` (--config) if set, else $SCEPCTL_CONFIG, else
// ~/.config/scepctl/config.toml, else /etc/scepctl/config.toml; nullopt when none of the
// default locations exists (an explicit or environment path that is missing is an error).
util::Result<std::optional<std::string>> find_config_file(const std::string& explicit_path);

} // namespace config
