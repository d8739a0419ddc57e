// The command line: global options, the subcommand table, and the edge where errors become exit codes.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/output.hpp"
#include "scep/result.hpp"
#include "transport/curl_transport.hpp"

namespace cli {

struct GlobalOptions {
    std::string url;
    std::string cacert;
    bool insecure = false;
    double timeout_seconds = 60;
    std::string proxy;
    bool json = false;
    bool verbose = false;
    bool quiet = false;
};

struct Context {
    GlobalOptions global;
    Output output;
    std::function<scep::Result<void>()> command; // set by the subcommand the user chose

    // The SCEP URL from --url, checked to be http(s).
    scep::Result<std::string> scep_url() const;
    transport::TransportOptions transport_options() const;
};

// One per subcommand file: registers the subcommand and its options on `app`.
void add_getcacaps(CLI::App& app, Context& context);
void add_getcacert(CLI::App& app, Context& context);
void add_enroll(CLI::App& app, Context& context);

// Parses argv, runs the chosen subcommand and returns the process exit code.
int run(int argc, char** argv);

} // namespace cli
