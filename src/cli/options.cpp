#include "cli/options.hpp"

namespace cli {

void TableOptions::add(CLI::App& app, const config::OptionSpec& spec, config::Commands commands) {
    if (spec.positional) { // an operand: "scepctl fingerprint FILE"
        CLI::Option* operand = app.add_option(std::string(spec.flag));
        operand->description(std::string(spec.help));
        operand->type_name(std::string(spec.value_name));
        if (spec.required) operand->required();
        m_registered.push_back({&spec, operand, commands == 0, commands});
        return;
    }
    std::string names = "--" + std::string(spec.flag);
    if (spec.short_flag != 0) names = "-" + std::string(1, spec.short_flag) + "," + names;
    const std::string help(spec.help);
    CLI::Option* option = nullptr;
    if (spec.kind == config::Kind::flag) {
        option = app.add_flag(names, help);
    } else {
        option = app.add_option(names, help);
        option->type_name(std::string(spec.value_name));
        if (spec.kind == config::Kind::list || spec.repeatable != 0) {
            option->multi_option_policy(CLI::MultiOptionPolicy::TakeAll); // repeatable, one value each time
        } else {
            // A value given twice is a mistake, not "the last one wins".
            option->multi_option_policy(CLI::MultiOptionPolicy::Throw);
        }
    }
    if (spec.required) option->required();
    m_registered.push_back({&spec, option, commands == 0, commands});
}

void TableOptions::add_global(CLI::App& app) {
    for (const config::OptionSpec& spec : config::option_table()) {
        if (spec.global() && !spec.flag.empty()) add(app, spec, 0);
    }
}

void TableOptions::add_command(CLI::App& sub, config::Command command) {
    const std::size_t first = m_registered.size();
    for (const config::OptionSpec& spec : config::option_table()) {
        if (!spec.global() && !spec.flag.empty() && spec.takes(command)) add(sub, spec, config::bit(command));
    }
    // Two flags that feed one setting the other way (--kerberos, --no-kerberos) exclude each other.
    for (std::size_t i = first; i < m_registered.size(); ++i) {
        const config::OptionSpec& spec = *m_registered[i].spec;
        if (spec.excludes.empty()) continue;
        for (std::size_t j = first; j < m_registered.size(); ++j) {
            if (m_registered[j].spec->flag == spec.excludes) m_registered[i].option->excludes(m_registered[j].option);
        }
    }
}

std::string TableOptions::global_options_line() {
    std::string line = "Global options (before or after the subcommand; see scepctl --help):";
    for (const config::OptionSpec& spec : config::option_table()) {
        if (!spec.global() || spec.flag.empty() || spec.flag == "version") continue;
        line += " --" + std::string(spec.flag);
        if (!spec.value_name.empty()) line += " " + std::string(spec.value_name);
        line += ",";
    }
    line.back() = '.';
    return line;
}

config::CommandLine TableOptions::typed(config::Command command) const {
    config::CommandLine line;
    for (const Registered& entry : m_registered) {
        if (entry.option->count() == 0) continue;
        if (!entry.global && (entry.commands & config::bit(command)) == 0) continue;
        auto& values = line[std::string(entry.spec->flag)];
        if (entry.spec->kind == config::Kind::flag) {
            values = {"true"};
        } else {
            for (const auto& value : entry.option->results())
                values.push_back(value);
        }
    }
    return line;
}

} // namespace cli
