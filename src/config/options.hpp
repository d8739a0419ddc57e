// THE option table: one row per option with its flag, its key in the configuration file, its
// environment variable, its allowed values, its help line and its manual text. The command line
// (cli registers every flag from it), the configuration file's known keys, the resolution of a
// profile into the options of every subcommand, validation, and the OPTIONS sections of the man
// pages and the bash completion all come from this one table (scripts/gen-docs.sh).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace config {

// The subcommands, as a bit set: an option row names the ones that take it.
enum class Command : std::uint16_t {
    getcacaps = 1u << 0,
    getcacert = 1u << 1,
    enroll = 1u << 2,
    renew = 1u << 3,
    getchallenge = 1u << 4,
    check_kerberos = 1u << 5,
    check_ndes = 1u << 6,
    getnextcacert = 1u << 7,
    getcert = 1u << 8,
    getcrl = 1u << 9,
    decode = 1u << 10,
    fingerprint = 1u << 11,
    status = 1u << 12,
};
using Commands = std::uint16_t;
constexpr Commands bit(Command command) {
    return static_cast<Commands>(command);
}
constexpr Commands operator|(Command a, Command b) {
    return bit(a) | bit(b);
}
constexpr Commands operator|(Commands a, Command b) {
    return a | bit(b);
}

// Every subcommand, in the order --help lists them.
std::span<const Command> all_commands();
std::string_view name_of(Command command);                   // "check-ndes"
std::optional<Command> command_named(std::string_view name); // nullopt for an unknown name

// How a value is written and read.
enum class Kind {
    flag,    // no value on the command line; a boolean in the file
    text,    // one string
    path,    // one string naming a file or directory; relative paths in the file are relative to it
    integer, // one whole number
    seconds, // one number of seconds, fractions allowed
    list,    // repeatable on the command line; an array of strings in the file
};

// Which table of the configuration file may set an option (scepctl.toml(5)).
enum class Table { none, kerberos, ca, profile };
std::string_view name_of(Table table); // "kerberos", "ca", "profile"

// Checks one value (one element of a list) and may normalise it (lower case, a resolved path).
// The error is the problem alone ("\"x\" is not one of a, b"); the caller says where it came from.
struct Checked {
    std::optional<std::string> value; // set when the value is good
    std::string problem;              // otherwise
};
using Validator = Checked (*)(std::string_view value);

struct OptionSpec {
    std::string_view flag; // long flag without "--"; empty for a key only the file has
    char short_flag = 0;   // 'v' for -v, or 0
    Kind kind = Kind::text;
    std::string_view value_name;               // "BITS" in --key-size BITS; empty for flags
    Commands commands = 0;                     // the subcommands that take it; 0 = a global option (any place)
    Table table = Table::none;                 // where the configuration file may set it
    std::string_view key;                      // its key there ("key_size"); empty when only the command line has it
    std::string_view env;                      // the environment variable that sets it, or empty
    std::span<const std::string_view> choices; // the allowed values when they are fixed
    std::string_view default_value;            // the built-in default, or empty
    Validator validate = nullptr;              // beyond `choices`, or nullptr
    // The setting this flag feeds when it is not the flag's own name: --no-kerberos sets
    // "kerberos" to false. `flag_value` is what a flag sets ("true" by default).
    std::string_view setting;
    std::string_view flag_value;
    std::string_view excludes; // another flag it cannot be given with
    bool required = false;     // the subcommand needs it
    // The subcommands on which a text or path flag may be given more than once (status --profile
    // A --profile B); elsewhere a second value is a usage error. Lists are always repeatable.
    Commands repeatable = 0;
    // An operand, not a flag: "scepctl fingerprint FILE". `flag` is then only its setting's name
    // ("file"); the command line and the manual show `value_name`.
    bool positional = false;
    std::string_view help; // one line for --help
    // The man page's text for it (roff, one or more paragraphs). Rows that share `manual_with`
    // are shown under one heading, with the leader's text.
    std::string_view manual;
    std::string_view manual_with;

    // The name its value is resolved and looked up under.
    std::string_view setting_name() const { return setting.empty() ? flag : setting; }
    bool global() const { return commands == 0; }
    bool takes(Command command) const { return global() || (commands & bit(command)) != 0; }
};

std::span<const OptionSpec> option_table();

// The row of `flag` for `command` (a global option's for any command); nullptr when none.
const OptionSpec* find_option(std::string_view flag, Command command);
// The rows the configuration file knows in `table`, each key once.
std::vector<const OptionSpec*> keys_of(Table table);
// The row whose setting is `setting` for `command` and which the file may set; nullptr when none.
const OptionSpec* file_key_of(std::string_view setting, Command command);

// "--key-size 3072" style: how a row is named in messages ("--key-size", or "key_size" for a
// file-only key).
std::string display_name(const OptionSpec& spec);

} // namespace config
