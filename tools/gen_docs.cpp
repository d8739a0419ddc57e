// gen_docs: the parts of the man pages and of the bash and zsh completions that come from the option
// table (src/config/options.hpp). scripts/gen-docs.sh puts them between the GENERATED OPTIONS markers;
// tests/docs/check_generated_docs.sh fails when the checked-in files differ from this output.
//
//   gen_docs commands        the subcommands, one a line
//   gen_docs man COMMAND     the OPTIONS entries of scepctl-COMMAND(1): its own options, table order
//   gen_docs man-global      the GLOBAL OPTIONS entries of scepctl(1)
//   gen_docs completion      the bash `case $prev in ... esac` block that completes option values
//   gen_docs completion-zsh  the same block for the zsh completion (completion/_scepctl)
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/options.hpp"

namespace {

using config::OptionSpec;
using Rows = std::vector<const OptionSpec*>;

[[noreturn]] void fail(const std::string& message) {
    std::cerr << "gen_docs: " << message << '\n';
    std::exit(1);
}

std::string roff(std::string_view text) { // a dash in a flag or value is a minus sign, not a hyphen
    std::string out;
    for (const char c : text)
        out += c == '-' ? std::string("\\-") : std::string(1, c);
    return out;
}

// "FORMAT", or "pem|der|p12" when the values are fixed and `choices` is asked for.
std::string value_of(const OptionSpec& spec, bool choices = true) {
    if (spec.kind == config::Kind::flag) return "";
    if (!choices || spec.choices.empty()) return std::string(spec.value_name);
    std::string out;
    for (const auto choice : spec.choices)
        out += (out.empty() ? "" : "|") + std::string(choice);
    return out;
}

std::string macro(std::string_view name, const std::vector<std::string>& args) {
    std::string line(name);
    for (const auto& arg : args)
        line += ' ' + (arg.find(' ') == std::string::npos ? arg : '"' + arg + '"');
    return line;
}

// The .TP tag of one entry: ".BI \-\-subject " DN"", ".BR \-v ", " \-\-verbose", or several options
// under one tag as in ".BI \-\-key\-out " FILE" "\fR, \fP\-\-cert\-out" " FILE"" (there each value is
// shown by its name, not its choices, to keep the tag on one line).
std::string heading(const Rows& group) {
    if (group.front()->positional) return ".I " + roff(group.front()->value_name); // an operand
    bool values = false;
    for (const auto* spec : group)
        values = values || !value_of(*spec).empty();
    if (!values) { // bold names, roman commas
        std::vector<std::string> args;
        for (const auto* spec : group) {
            if (spec->short_flag != 0) args.insert(args.end(), {"\\-" + std::string(1, spec->short_flag), ", "});
            args.push_back("\\-\\-" + roff(spec->flag));
            if (spec != group.back()) args.push_back(", ");
        }
        return macro(args.size() == 1 ? ".B" : ".BR", args);
    }
    std::vector<std::string> args; // alternately bold (names) and italic (values)
    std::string bold;
    for (const auto* spec : group) {
        if (!args.empty() || !bold.empty()) bold += "\\fR, \\fP";
        if (spec->short_flag != 0) bold += "\\-" + std::string(1, spec->short_flag) + "\\fR, \\fP";
        bold += "\\-\\-" + roff(spec->flag);
        if (const auto value = value_of(*spec, group.size() == 1); !value.empty()) {
            args.push_back(bold);
            args.push_back(" " + roff(value));
            bold.clear();
        }
    }
    if (!bold.empty()) args.push_back(bold);
    return macro(".BI", args);
}

// One .TP entry per option, in table order; rows with `manual_with` go under their leader's tag.
void print_man(const Rows& rows, std::string_view where) {
    for (const auto* spec : rows) {
        if (!spec->manual_with.empty()) {
            bool led = false;
            for (const auto* leader : rows)
                led = led || (leader->flag == spec->manual_with && leader->manual_with.empty());
            if (!led)
                fail("--" + std::string(spec->flag) + ": no --" + std::string(spec->manual_with) + " " +
                     std::string(where) + " to be shown with");
            continue;
        }
        if (spec->manual.empty()) fail("--" + std::string(spec->flag) + " " + std::string(where) + ": no manual text");
        Rows group{spec};
        for (const auto* other : rows) {
            if (other->manual_with == spec->flag) group.push_back(other);
        }
        std::cout << ".TP\n" << heading(group) << '\n' << spec->manual;
        if (spec->manual.back() != '\n') std::cout << '\n';
    }
}

Rows rows_where(const std::function<bool(const OptionSpec&)>& wanted) {
    Rows rows;
    for (const auto& spec : config::option_table()) {
        if (spec.flag.empty() || !wanted(spec)) continue; // a key only the file has
        for (const auto* known : rows) {
            if (known->flag == spec.flag) fail("--" + std::string(spec.flag) + " has two rows for one command");
        }
        rows.push_back(&spec);
    }
    return rows;
}

// One pattern line of the case block: "--a | --b)" wrapped below 110 columns.
std::string patterns(const std::vector<std::string>& flags) {
    std::string out = "        ";
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < flags.size(); ++i) {
        const std::string item = "--" + flags[i] + (i + 1 < flags.size() ? " |" : ")");
        if (out.size() - line_start + item.size() > 108) {
            out += "\\\n";
            line_start = out.size();
            out += "            ";
        }
        out += item + (i + 1 < flags.size() ? " " : "");
    }
    return out;
}

// The case block that completes option values, in bash (`COMPREPLY=(...)`) or zsh (`_files`,
// `compadd`) terms; both completions keep it between their GENERATED OPTIONS markers.
void print_completion(bool zsh) {
    std::vector<std::string> files, directories;
    std::vector<const OptionSpec*> worded;
    for (const auto& spec : config::option_table()) {
        if (spec.flag.empty() || spec.positional) continue; // an operand is completed with files anyway
        const bool path = spec.kind == config::Kind::path;
        const std::string flag(spec.flag);
        bool known = false;
        for (const auto& other : config::option_table()) { // one completion per flag, whatever the command
            if (&other == &spec) break;
            if (other.flag != spec.flag) continue;
            known = true;
            if ((other.kind == config::Kind::path) != path || value_of(other) != value_of(spec))
                fail("--" + flag + " takes different values in different rows");
        }
        if (known) continue;
        if (path) (spec.value_name == "DIR" ? directories : files).push_back(flag);
        if (!path && !spec.choices.empty()) worded.push_back(&spec);
    }
    std::cout << "    case $prev in\n";
    const std::pair<const std::vector<std::string>&, std::string> path_actions[] = {
        {files, zsh ? "_files" : "COMPREPLY=($(compgen -f -- \"$cur\"))"},
        {directories, zsh ? "_files -/" : "COMPREPLY=($(compgen -d -- \"$cur\"))"}};
    for (const auto& [flags, action] : path_actions) {
        if (flags.empty()) continue;
        std::cout << patterns(flags) << "\n            " << action << "\n            return\n            ;;\n";
    }
    for (const auto* spec : worded) {
        std::string words;
        for (const auto choice : spec->choices)
            words += (words.empty() ? "" : " ") + std::string(choice);
        std::cout << "        --" << spec->flag << ") "
                  << (zsh ? "compadd -- " + words : "COMPREPLY=($(compgen -W \"" + words + "\" -- \"$cur\"))")
                  << "; return ;;\n";
    }
    std::cout << "    esac\n";
}

int usage() {
    std::cerr << "usage: gen_docs commands | man COMMAND | man-global | completion | completion-zsh\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.size() == 1 && args[0] == "commands") {
        for (const auto command : config::all_commands())
            std::cout << config::name_of(command) << '\n';
    } else if (args.size() == 2 && args[0] == "man") {
        const auto command = config::command_named(args[1]);
        if (!command) fail("unknown subcommand " + std::string(args[1]));
        print_man(rows_where([&](const OptionSpec& spec) { return !spec.global() && spec.takes(*command); }),
                  "of " + std::string(args[1]));
    } else if (args.size() == 1 && args[0] == "man-global") {
        print_man(rows_where([](const OptionSpec& spec) { return spec.global(); }), "(global)");
    } else if (args.size() == 1 && (args[0] == "completion" || args[0] == "completion-zsh")) {
        print_completion(args[0] == "completion-zsh");
    } else {
        return usage();
    }
    return std::cout.flush() ? 0 : 1;
}
