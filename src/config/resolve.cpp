#include "config/resolve.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>

#include "config/validate.hpp"
#include "util/text.hpp"

namespace config {

namespace {

using util::Error;
using util::ErrorCode;

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// --config, SCEPCTL_CONFIG, ~/.config/scepctl/config.toml, /etc/scepctl/config.toml; `named` says
// whether the user named the file (then it must exist) or it was found in a default place.
struct ConfigChoice {
    std::optional<std::string> path;
    bool named = false;
};

util::Result<ConfigChoice> choose_config(const CommandLine& line, const Environment& environment) {
    const auto named = [](const std::string& path, const char* origin) -> util::Result<ConfigChoice> {
        if (!exists(path))
            return Error(ErrorCode::config, "config file " + path + " (from " + origin + ") does not exist");
        return ConfigChoice{path, true};
    };
    if (const auto it = line.find("config"); it != line.end() && !it->second.empty()) {
        return named(it->second.back(), "--config");
    }
    if (const auto env = environment("SCEPCTL_CONFIG")) return named(*env, "SCEPCTL_CONFIG");
    if (const auto home = environment("HOME")) {
        const std::string user_config = *home + "/.config/scepctl/config.toml";
        if (exists(user_config)) return ConfigChoice{user_config, false};
    }
    if (exists("/etc/scepctl/config.toml")) return ConfigChoice{std::string("/etc/scepctl/config.toml"), false};
    return ConfigChoice{};
}

std::optional<std::string> last_value(const CommandLine& line, std::string_view flag) {
    const auto it = line.find(flag);
    if (it == line.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

// Whether the command reads the [kerberos] table at all.
bool uses_kerberos_table(Command command) {
    return std::any_of(option_table().begin(), option_table().end(), [command](const OptionSpec& spec) {
        return spec.table == Table::kerberos && spec.takes(command);
    });
}

template <class Tables> std::string names_of(const Tables& tables) {
    std::vector<std::string> names;
    for (const auto& [name, table] : tables)
        names.push_back(name);
    return util::join(names, ", ", "none");
}

// A value from the command line or the environment, checked as the file's values are.
util::Result<std::vector<std::string>> checked_values(const OptionSpec& spec, std::vector<std::string> values,
                                                      const std::string& where) {
    for (auto& value : values) {
        if (spec.kind == Kind::flag) continue;
        // The validator first: it may normalise the value, or refuse it with a reason the list lacks.
        if (spec.validate != nullptr) {
            Checked checked = spec.validate(value);
            if (!checked.value) return Error(ErrorCode::usage, where + ": " + checked.problem);
            value = std::move(*checked.value);
        }
        if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), value) == spec.choices.end()) {
            std::vector<std::string> allowed(spec.choices.begin(), spec.choices.end());
            return Error(ErrorCode::usage, where + ": " + quote_value(value) + " is not one of " + util::join(allowed));
        }
    }
    return values;
}

} // namespace

Environment process_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr || *value == '\0') return std::nullopt;
        return std::string(value);
    };
}

const Setting* Options::get(std::string_view setting) const {
    const auto it = m_settings.find(setting);
    return it == m_settings.end() ? nullptr : &it->second;
}

std::optional<std::string> Options::text(std::string_view setting) const {
    const Setting* found = get(setting);
    if (found == nullptr || found->values.empty()) return std::nullopt;
    return found->values.back();
}

std::vector<std::string> Options::list(std::string_view setting) const {
    const Setting* found = get(setting);
    return found == nullptr ? std::vector<std::string>{} : found->values;
}

bool Options::flag(std::string_view setting) const {
    return text(setting) == "true";
}

bool Options::given(std::string_view setting) const {
    const Setting* found = get(setting);
    return found != nullptr && found->origin == Origin::command_line;
}

const FileTable* Options::profile() const {
    return m_file && !m_profile.empty() ? m_file->profile(m_profile) : nullptr;
}

const FileTable* Options::ca() const {
    return m_file && !m_ca.empty() ? m_file->ca(m_ca) : nullptr;
}

util::Result<Options> resolve(Command command, const CommandLine& line, const Environment& environment) {
    Options options;
    options.m_command = command;

    // Which file, profile and CA: the file is read only when the run needs it.
    SCEP_TRY(const ConfigChoice choice, choose_config(line, environment));
    options.m_profile = last_value(line, "profile").value_or(environment("SCEPCTL_PROFILE").value_or(""));
    const std::optional<std::string> ca_flag = last_value(line, "ca");
    // status without --profile reports every profile of the file.
    const bool wanted = choice.named || !options.m_profile.empty() || ca_flag || uses_kerberos_table(command) ||
                        command == Command::status;
    if (choice.path && wanted) {
        SCEP_TRY(options.m_file, load_config(*choice.path));
    }
    const Config* file = options.file();
    if (!options.m_profile.empty()) {
        if (file == nullptr) {
            return Error(ErrorCode::config, "profile '" + options.m_profile +
                                                "': no configuration file (--config FILE, SCEPCTL_CONFIG, "
                                                "~/.config/scepctl/config.toml or /etc/scepctl/config.toml)");
        }
        const FileTable* profile = file->profile(options.m_profile);
        if (profile == nullptr) {
            return Error(ErrorCode::config, file->path + ": no [profile." + options.m_profile +
                                                "] (profiles: " + names_of(file->profiles) + ")");
        }
        options.m_ca = profile->text("ca").value_or("");
    }
    if (ca_flag) {
        if (file == nullptr) {
            return Error(ErrorCode::config, "--ca " + *ca_flag + ": no configuration file (--config FILE)");
        }
        if (file->ca(*ca_flag) == nullptr) {
            return Error(ErrorCode::config,
                         file->path + ": no [ca." + *ca_flag + "] (CAs: " + names_of(file->cas) + ")");
        }
        options.m_ca = *ca_flag;
    }

    for (const OptionSpec& spec : option_table()) {
        if (!spec.takes(command)) continue;
        const std::string setting(spec.setting_name());
        // The command line wins; of two flags that feed one setting only one may be given.
        if (!spec.flag.empty()) {
            if (const auto it = line.find(spec.flag); it != line.end()) {
                std::vector<std::string> values = it->second;
                if (values.size() > 1 && spec.kind != Kind::list && (spec.repeatable & bit(command)) == 0) {
                    return Error(ErrorCode::usage, display_name(spec) + " given more than once")
                        .with_fix("give it once");
                }
                if (spec.kind == Kind::flag) values = {std::string(spec.flag_value.empty() ? "true" : spec.flag_value)};
                SCEP_TRY(values, checked_values(spec, std::move(values), display_name(spec)));
                options.m_settings[setting] = Setting{std::move(values), Origin::command_line, display_name(spec)};
                continue;
            }
        }
        if (options.m_settings.count(setting) != 0) continue;
        if (!spec.env.empty()) {
            if (const auto value = environment(spec.env)) {
                SCEP_TRY(std::vector<std::string> values, checked_values(spec, {*value}, std::string(spec.env)));
                options.m_settings[setting] = Setting{std::move(values), Origin::environment, std::string(spec.env)};
                continue;
            }
        }
        const FileTable* table = spec.table == Table::profile ? options.profile()
                                 : spec.table == Table::ca    ? options.ca()
                                 : spec.table == Table::kerberos && file != nullptr && file->kerberos ? &*file->kerberos
                                                                                                      : nullptr;
        if (table != nullptr && !spec.key.empty()) {
            if (const FileValue* value = table->get(spec.key)) {
                options.m_settings[setting] =
                    Setting{value->values, Origin::file,
                            file->path + ":" + std::to_string(value->line) + ": " + value->key_path};
                continue;
            }
        }
        if (!spec.default_value.empty()) {
            options.m_settings[setting] = Setting{{std::string(spec.default_value)}, Origin::built_in, "default"};
        }
    }
    return options;
}

} // namespace config
