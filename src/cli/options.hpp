// The command line from the option table: every flag of every subcommand is registered with
// CLI11 from config::option_table(), and what the user typed is handed to config::resolve() as a
// config::CommandLine. No flag is spelled anywhere else in the command line.
#pragma once

#include <vector>

#include <CLI/CLI.hpp>

#include "config/resolve.hpp"

namespace cli {

class TableOptions {
  public:
    // Registers the global rows on `app` (given before or after the subcommand).
    void add_global(CLI::App& app);
    // Registers the rows `command` takes on its subcommand `sub`.
    void add_command(CLI::App& sub, config::Command command);
    // The line under each subcommand's --help naming the global options, which CLI11 lists only
    // in scepctl --help: "Global options (before or after the subcommand): --url URL, ...".
    static std::string global_options_line();
    // What was typed for the global rows and `command`'s rows, after CLI11 parsed argv.
    config::CommandLine typed(config::Command command) const;

  private:
    struct Registered {
        const config::OptionSpec* spec;
        CLI::Option* option;
        bool global;
        config::Commands commands; // of the subcommand it was registered on; 0 for global
    };
    void add(CLI::App& app, const config::OptionSpec& spec, config::Commands commands);
    std::vector<Registered> m_registered;
};

} // namespace cli
