// What one run of one subcommand was given, merged from every source by the option table:
// command line > environment > configuration file (the profile, its CA, [kerberos]) > built-in
// defaults. A profile key therefore means the same to every subcommand that has the option.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/options.hpp"
#include "util/result.hpp"

namespace config {

// The flags the user typed for this run, by flag name (without --): a value flag's values in
// order, a flag's "true". Only what was typed; nothing for what was not.
using CommandLine = std::map<std::string, std::vector<std::string>, std::less<>>;

// Reads an environment variable; nullopt when it is unset or empty. Tests pass their own.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();

enum class Origin { command_line, environment, file, built_in };

struct Setting {
    std::vector<std::string> values; // one for a text, several for a list, "true"/"false" for a flag
    Origin origin = Origin::built_in;
    std::string where; // "--key-size", "SCEPCTL_PROFILE", "config.toml:12: profile.x.key_size", "default"
};

class Options {
  public:
    Command command() const { return m_command; }
    // nullptr when nothing set it and it has no default.
    const Setting* get(std::string_view setting) const;
    std::optional<std::string> text(std::string_view setting) const;
    std::vector<std::string> list(std::string_view setting) const;
    bool flag(std::string_view setting) const;  // false when unset
    bool given(std::string_view setting) const; // on the command line
    // The configuration file, and the profile and CA this run uses; each may be nullptr.
    const Config* file() const { return m_file ? &*m_file : nullptr; }
    const FileTable* profile() const;
    const FileTable* ca() const;

  private:
    friend util::Result<Options> resolve(Command, const CommandLine&, const Environment&);
    Command m_command = Command::getcacaps;
    std::map<std::string, Setting, std::less<>> m_settings;
    std::optional<Config> m_file;
    std::string m_profile, m_ca;
};

// The options of `command` from the command line, the environment and the configuration file
// (loaded only when the run names one, a profile or a CA, or uses the [kerberos] table). Values
// from the command line and the environment are checked as the file's are (ErrorCode::usage);
// file problems are ErrorCode::config.
util::Result<Options> resolve(Command command, const CommandLine& line, const Environment& environment);

} // namespace config
