// The TOML configuration file: [kerberos], [ca.NAME] and [profile.NAME] tables (scepctl.toml(5)).
// Which keys each table knows, what type and values each takes, comes from the option table
// (config/options.hpp): a key means there what its flag means on the command line. Loading checks
// everything the file says on its own: unknown keys, wrong types, bad values and keys that need
// each other are errors naming the file, the line and the key ("config.toml:12: ca.ndes.scep_url:
// not a URL"). What the file names (a keytab, a password file) is checked only by the subcommand
// that uses it, when it does.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace config {

// One value the file sets, as text: a string; a number as written; "true"/"false"; each element
// of an array. Paths are already resolved against the file's directory.
struct FileValue {
    std::vector<std::string> values;
    std::uint32_t line = 0;
    std::string key_path; // "profile.device.key_size", for messages
};

// One [kerberos], [ca.NAME] or [profile.NAME] table.
struct FileTable {
    std::string name; // NAME; empty for [kerberos]
    std::uint32_t line = 0;
    std::map<std::string, FileValue, std::less<>> values; // by key

    const FileValue* get(std::string_view key) const;
    // The one value of `key`, when it is set.
    std::optional<std::string> text(std::string_view key) const;
};

struct Config {
    std::string path; // the file it came from ("" for text parsed in memory)
    std::optional<FileTable> kerberos;
    std::map<std::string, FileTable, std::less<>> cas;
    std::map<std::string, FileTable, std::less<>> profiles;

    const FileTable* profile(std::string_view name) const;
    const FileTable* ca(std::string_view name) const;
};

// Parses and checks TOML text. `source` names it in messages (a path, or "<test>"). Relative paths
// inside it (keytab, password_file, tls_ca_file, out_dir, ...) are resolved against the directory
// of `source`. Errors are ErrorCode::config: the first in file order is the message, the rest its
// details.
util::Result<Config> parse_config(std::string_view text, const std::string& source);

// Reads and parses the file at `path` (a pipe such as --config <(...) too); read errors are
// ErrorCode::config naming the path.
util::Result<Config> load_config(const std::string& path);

// Which file to use: `explicit_path` (--config) if set, else $SCEPCTL_CONFIG, else
// ~/.config/scepctl/config.toml, else /etc/scepctl/config.toml; nullopt when none of the
// default locations exists (an explicit or environment path that is missing is an error).
util::Result<std::optional<std::string>> find_config_file(const std::string& explicit_path);

} // namespace config
