// The command line: global options, the subcommand table, and the edge where errors become exit codes.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "cli/output.hpp"
#include "util/result.hpp"
#include "transport/curl_transport.hpp"

namespace cli {

struct GlobalOptions {
    std::string url;
    std::string cacert;
    bool insecure = false;
    std::optional<double> timeout_seconds; // default 60, or the CA's timeout from the config file
    std::string proxy;
    bool json = false;
    bool verbose = false;
    bool quiet = false;
    std::string config_path; // --config
    std::string profile;     // --profile (else $SCEPCTL_PROFILE)
    std::string ca;          // --ca: a [ca.NAME] table without a profile
};

struct Context {
    GlobalOptions global;
    Output output;
    std::function<util::Result<void>()> command; // set by the subcommand the user chose
    // What a command that failed after doing its work reports with --json next to the error.
    std::optional<Json> result_on_error;

    // The SCEP URL from --url, else the CA's scep_url; checked to be http(s).
    util::Result<std::string> scep_url() const;
    transport::TransportOptions transport_options() const;

    // The configuration file (--config, $SCEPCTL_CONFIG, the default paths), loaded once;
    // nullptr when there is none and none was asked for.
    util::Result<const config::Config*> config() const;
    // --profile / $SCEPCTL_PROFILE; nullptr when no profile was chosen.
    util::Result<const config::ProfileConfig*> profile() const;
    // --ca, else the profile's CA; nullptr when neither was chosen.
    util::Result<const config::CaConfig*> ca() const;

  private:
    mutable std::optional<std::optional<config::Config>> m_config; // outer: loaded yet?
};

// One per subcommand file: registers the subcommand and its options on `app`.
void add_getcacaps(CLI::App& app, Context& context);
void add_getcacert(CLI::App& app, Context& context);
void add_enroll(CLI::App& app, Context& context);
void add_renew(CLI::App& app, Context& context);
void add_getchallenge(CLI::App& app, Context& context);
void add_check_kerberos(CLI::App& app, Context& context);
void add_check_ndes(CLI::App& app, Context& context);
void add_getnextcacert(CLI::App& app, Context& context);
void add_getcert(CLI::App& app, Context& context);
void add_getcrl(CLI::App& app, Context& context);

// Parses argv, runs the chosen subcommand and returns the process exit code.
int run(int argc, char** argv);

} // namespace cli
