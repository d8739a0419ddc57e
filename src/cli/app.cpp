#include "cli/app.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>

#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/exit_codes.hpp"
#include "cli/interrupt.hpp"
#include "cli/options.hpp"
#include "cli/runtime.hpp"
#include "scepctl_version.hpp"
#include "store/atomic_file.hpp"
#include "store/secret_file.hpp"
#include "transport/curl_transport.hpp"

namespace cli {

namespace {

using config::Command;

struct Subcommand {
    Command command;
    const char* description;
    util::Result<void> (*run)(Run&);
};

constexpr Subcommand k_subcommands[] = {
    {Command::getcacaps, "Show the capabilities the SCEP server advertises (GetCACaps)", run_getcacaps},
    {Command::getcacert, "Fetch and check the CA and RA certificates (GetCACert)", run_getcacert},
    {Command::enroll, "Enroll for a certificate (PKCSReq), polling while the CA says PENDING", run_enroll},
    {Command::renew, "Renew a certificate with itself (RenewalReq or PKCSReq), swapping in the new key and certificate",
     run_renew},
    {Command::getchallenge, "Fetch a one-time challenge password from the NDES admin page (mscep_admin)",
     run_getchallenge},
    {Command::check_kerberos, "Check the Kerberos/Negotiate path to the NDES admin page step by step, with fixes",
     run_check_kerberos},
    {Command::check_ndes,
     "Check an NDES/SCEP server end to end for CI: TLS, capabilities, CA and RA certificates, URL limits, challenge "
     "page, enrollment",
     run_check_ndes},
    {Command::getnextcacert, "Fetch the CA's rollover certificates (GetNextCACert), verified against the current CA",
     run_getnextcacert},
    {Command::getcert, "Fetch a certificate the CA issued, by serial number (GetCert)", run_getcert},
    {Command::getcrl, "Fetch the CRL that covers a certificate (GetCRL) and say whether it is revoked", run_getcrl},
    {Command::decode,
     "Decode a captured SCEP message (request, CertRep, GetCACert reply) and explain what would make it fail",
     run_decode},
    {Command::fingerprint, "Print a CA certificate file's SHA-256, SHA-1 and NDES-page MD5 fingerprints (offline)",
     run_fingerprint},
    {Command::status,
     "Report the profiles' certificates: expiry, key match, renewal due, last renew run (text, JSON, Prometheus)",
     run_status},
};

std::string version_text() {
    std::string text = std::string("scepctl ") + scepctl::k_version + "\n";
    text += std::string("OpenSSL: ") + OpenSSL_version(OPENSSL_VERSION) + "\n";
    text += "libcurl: " + transport::curl_version_string() + "\n";
    text += std::string("krb5 (GSSAPI): MIT krb5 ") + SCEPCTL_KRB5_VERSION + "\n";
    return text;
}

bool stderr_is_terminal() {
    const char* term = std::getenv("TERM");
    return isatty(STDERR_FILENO) == 1 && !(term != nullptr && std::string_view(term) == "dumb");
}

// A subcommand defined for this run, and its CLI11 app (parsed() says whether it was chosen).
struct Added {
    const Subcommand* entry;
    CLI::App* app;
};

// Defining every option of every subcommand costs about a millisecond per run (a tenth of
// GetCACaps' instructions). A subcommand can only be selected by its exact name on the command
// line (CLI11 does no prefix matching), so only the named ones are defined; help, or no name at
// all, defines them all so that listings and errors stay complete.
std::vector<Added> add_subcommands(CLI::App& app, TableOptions& table, int argc, char** argv) {
    const std::span<char*> args(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0));
    const auto named = [&](std::string_view word) {
        return std::any_of(args.begin(), args.end(), [word](const char* arg) { return word == arg; });
    };
    const bool help = named("--help") || named("-h") || named("--help-all");
    const bool any_named = std::any_of(std::begin(k_subcommands), std::end(k_subcommands),
                                       [&](const Subcommand& entry) { return named(config::name_of(entry.command)); });
    std::vector<Added> added;
    for (const auto& entry : k_subcommands) {
        const std::string name(config::name_of(entry.command));
        if (!help && any_named && !named(name)) continue;
        CLI::App* sub = app.add_subcommand(name, entry.description);
        table.add_command(*sub, entry.command);
        sub->footer(TableOptions::global_options_line());
        // Global options may follow the subcommand too: "scepctl getcacaps --url ...".
        sub->fallthrough();
        added.push_back(Added{&entry, sub});
    }
    return added;
}

// "scepctl enroll" when the command line names a subcommand, else "scepctl": where --help helps.
std::string help_of(const std::vector<Added>& subcommands, int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        for (const Added& added : subcommands) {
            if (config::name_of(added.entry->command) == argv[i]) return "scepctl " + std::string(argv[i]);
        }
    }
    return "scepctl";
}

// CLI11's message, except for unexpected arguments: CLI11 lists those in reverse; they are named
// here in the order they were typed.
std::string parse_error_text(const CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
    if (dynamic_cast<const CLI::ExtrasError*>(&error) == nullptr) return error.what();
    std::vector<std::string> extras = app.remaining(true);
    std::vector<std::string> ordered;
    for (int i = 1; i < argc; ++i) {
        const auto found = std::find(extras.begin(), extras.end(), argv[i]);
        if (found == extras.end()) continue;
        ordered.emplace_back(argv[i]);
        extras.erase(found);
    }
    ordered.insert(ordered.end(), extras.begin(), extras.end());
    std::string text = ordered.size() == 1 ? "unexpected argument:" : "unexpected arguments:";
    for (const auto& word : ordered)
        text += " " + word;
    return text;
}

// The environment the option table reads; a secret there is read once, by given_challenge().
config::Environment option_environment() {
    return [process = config::process_environment()](std::string_view name) -> std::optional<std::string> {
        if (name == "SCEPCTL_CHALLENGE" || name == "SCEPCTL_KEY_PASS") return std::nullopt;
        return process(name);
    };
}

int fail(const Output& out, util::Error error, const Json* result = nullptr) {
    if (error.code == util::ErrorCode::interrupted) {
        // The command says where it was and what it kept; the signal is named here, once.
        error.signal = interrupt::received() != 0 ? interrupt::received() : SIGINT;
        error.message = "interrupted by " + interrupt::name(*error.signal) + " " + error.message;
    }
    const int code = exit_code_for(error);
    out.error(error, code, result);
    return code;
}

// A secret from the environment, taken out of it.
std::optional<util::Secret> take_secret_env(const char* name) {
    char* env = std::getenv(name);
    if (env == nullptr || *env == '\0') return std::nullopt;
    util::Secret secret(env);
    // The environment block is ours to overwrite: no copy stays there (nor in /proc/PID/environ).
    OPENSSL_cleanse(env, std::strlen(env));
    ::unsetenv(name);
    return secret;
}

// One line from standard input, read with read(2): no stdio buffer keeps a copy.
util::Result<util::Secret> read_stdin_line(const char* what) {
    util::Secret line;
    char c = 0;
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == '\n') break;
        line.push_back(c);
    }
    c = 0;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return util::Error(util::ErrorCode::usage, std::string(what) + ": nothing on standard input");
    return line;
}

} // namespace

util::Result<std::optional<util::Secret>> given_challenge(const Run& run) {
    OutputEvents events(run.out);
    if (const auto file = run.options.text("challenge-file")) {
        SCEP_TRY(util::Secret challenge, store::read_secret_file(*file, "--challenge-file", events));
        return std::optional<util::Secret>(std::move(challenge));
    }
    const std::string literal = run.options.text("challenge").value_or("");
    if (literal == "-") {
        SCEP_TRY(util::Secret challenge, read_stdin_line("--challenge -"));
        return std::optional<util::Secret>(std::move(challenge));
    }
    if (!literal.empty()) {
        run.out.warning("--challenge VALUE is visible to every user in the process list; prefer --challenge-file "
                        "FILE, --challenge - (stdin) or SCEPCTL_CHALLENGE");
        return std::optional<util::Secret>(util::Secret(literal));
    }
    return take_secret_env("SCEPCTL_CHALLENGE");
}

util::Result<std::optional<util::Secret>> given_key_secret(const Run& run) {
    const auto file = run.options.text("key-pass-file");
    if (file && *file == "-") {
        if (run.options.text("challenge").value_or("") == "-") {
            return util::Error(util::ErrorCode::usage, "--challenge - and --key-pass-file - both read standard input")
                .with_fix("give one of them in a file");
        }
        SCEP_TRY(util::Secret secret, read_stdin_line("--key-pass-file -"));
        return std::optional<util::Secret>(std::move(secret));
    }
    if (file) return std::optional<util::Secret>();
    return take_secret_env("SCEPCTL_KEY_PASS");
}

int run(int argc, char** argv) {
    CLI::App app{"scepctl: SCEP (RFC 8894) enrollment client for Microsoft NDES and other SCEP servers"};
    app.name("scepctl");
    TableOptions table;
    table.add_global(app);
    app.require_subcommand(0, 1);
    const auto subcommands = add_subcommands(app, table, argc, argv);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        return k_exit_ok;
    } catch (const CLI::CallForAllHelp&) {
        std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
        return k_exit_ok;
    } catch (const CLI::ParseError& e) {
        // CLI11's own exit codes start at 100; ours are documented, so map every parse error to 64.
        std::fprintf(stderr, "scepctl: error: %s (see %s --help)\n", parse_error_text(app, e, argc, argv).c_str(),
                     help_of(subcommands, argc, argv).c_str());
        return k_exit_usage;
    }
    const Subcommand* chosen = nullptr;
    for (const auto& added : subcommands) {
        if (added.app->parsed()) chosen = added.entry;
    }
    const Command command = chosen != nullptr ? chosen->command : Command::getcacaps;
    const config::CommandLine line = table.typed(command);
    if (line.count("version") != 0) {
        std::fputs(version_text().c_str(), stdout);
        return k_exit_ok;
    }
    Output out({line.count("json") != 0, line.count("quiet") != 0, line.count("verbose") != 0, stderr_is_terminal()});
    if (chosen == nullptr) {
        std::fputs(app.help().c_str(), stderr);
        return fail(out, util::Error(util::ErrorCode::usage, "no subcommand given"));
    }
    const config::Environment environment = option_environment();
    auto options = config::resolve(command, line, environment);
    if (!options) return fail(out, std::move(options).error());
    if (store::is_standard_output(options->text("out").value_or(""))) {
        // The PEM is the output: --json cannot share standard output, and the summary moves to stderr.
        if (out.options().json) {
            return fail(out, util::Error(util::ErrorCode::usage,
                                         "--out " + *options->text("out") + " and --json both write to standard output")
                                 .with_fix("write the file elsewhere, or drop --json"));
        }
        OutputOptions moved = out.options();
        moved.results_to_stderr = true;
        out.set_options(moved);
    }
    if (options->flag("insecure")) {
        out.warning("--insecure: the server's TLS certificate is not verified; anyone on the path can impersonate it");
    }

    CurlTransports transports(out);
    OutputEvents events(out);
    SystemClock clock(out);
    workflow::Collaborators with{transports, events, clock};
    with.hold_signals = [] { return std::static_pointer_cast<void>(std::make_shared<interrupt::Deferred>()); };
    with.stop_requested = [] { return interrupt::received() != 0; };
    Run run{*options, environment, out, with};
    run.line = &line;
    auto result = chosen->run(run);
    if (!result) return fail(out, std::move(result).error(), run.result_on_error ? &*run.result_on_error : nullptr);
    return run.exit_code;
}

} // namespace cli
