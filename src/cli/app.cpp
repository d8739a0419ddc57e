#include "cli/app.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <span>
#include <string_view>

#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/exit_codes.hpp"
#include "cli/interrupt.hpp"
#include "scepctl_version.hpp"
#include "util/url.hpp"

namespace cli {

namespace {

std::string version_text() {
    std::string text = std::string("scepctl ") + scepctl::k_version + "\n";
    text += std::string("OpenSSL: ") + OpenSSL_version(OPENSSL_VERSION) + "\n";
    text += "libcurl: " + transport::curl_version_string() + "\n";
    text += std::string("krb5 (GSSAPI): MIT krb5 ") + SCEPCTL_KRB5_VERSION + "\n";
    return text;
}

void add_global_options(CLI::App& app, GlobalOptions& g) {
    app.add_option("--url", g.url, "SCEP endpoint URL, e.g. https://ndes.example.com/certsrv/mscep/mscep.dll");
    app.add_option("--cacert", g.cacert,
                   "PEM file of CAs trusted for the server's TLS certificate (default: system trust store)");
    app.add_flag("--insecure", g.insecure, "Do not verify the server's TLS certificate (prints a warning)");
    app.add_option(
        "--config", g.config_path,
        "Configuration file (default: $SCEPCTL_CONFIG, ~/.config/scepctl/config.toml, /etc/scepctl/config.toml)");
    app.add_option("--profile", g.profile, "Use [profile.NAME] of the configuration file (default: $SCEPCTL_PROFILE)");
    app.add_option("--ca", g.ca, "Use [ca.NAME] of the configuration file (default: the profile's CA)");
    app.add_option("--timeout", g.timeout_seconds,
                   "Seconds one HTTP request may take in total, 0.001 to 86400 (default 60)")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                char* end = nullptr;
                const double seconds = std::strtod(value.c_str(), &end);
                if (end == value.c_str() || *end != '\0' || !config::valid_timeout_seconds(seconds)) {
                    return "'" + value + "' is not " + config::k_timeout_range;
                }
                return {};
            },
            "SECONDS"));
    app.add_option("--proxy", g.proxy, "HTTP(S) proxy URL (default: the http_proxy/https_proxy/no_proxy environment)");
    app.add_flag("--json", g.json, "Print the result as one JSON object on stdout");
    app.add_flag("-v,--verbose", g.verbose, "Trace HTTP requests and show error details on stderr (secrets redacted)");
    app.add_flag("-q,--quiet", g.quiet, "Print no notes or warnings on stderr, only errors");
}

} // namespace

util::Result<const config::Config*> Context::config() const {
    if (!m_config) {
        SCEP_TRY(const std::optional<std::string> path, config::find_config_file(global.config_path));
        if (!path) {
            m_config.emplace(std::nullopt);
        } else {
            SCEP_TRY(config::Config loaded, config::load_config(*path));
            for (const auto& warning : loaded.warnings)
                output.warning(warning);
            m_config.emplace(std::move(loaded));
        }
    }
    return *m_config ? &**m_config : nullptr;
}

util::Result<const config::ProfileConfig*> Context::profile() const {
    std::string name = global.profile;
    if (name.empty()) {
        if (const char* env = std::getenv("SCEPCTL_PROFILE"); env != nullptr) name = env;
    }
    if (name.empty()) return nullptr;
    SCEP_TRY(const config::Config* file, config());
    if (file == nullptr) {
        return util::Error(util::ErrorCode::config, "profile '" + name +
                                                        "': no configuration file (--config FILE, SCEPCTL_CONFIG, "
                                                        "~/.config/scepctl/config.toml or /etc/scepctl/config.toml)");
    }
    if (const auto* found = file->profile(name)) return found;
    std::string known;
    for (const auto& [key, value] : file->profiles)
        known += (known.empty() ? "" : ", ") + key;
    return util::Error(util::ErrorCode::config,
                       file->path + ": no [profile." + name + "] (profiles: " + (known.empty() ? "none" : known) + ")");
}

util::Result<const config::CaConfig*> Context::ca() const {
    std::string name = global.ca;
    if (name.empty()) {
        SCEP_TRY(const config::ProfileConfig* chosen, profile());
        if (chosen == nullptr) return nullptr;
        name = chosen->ca;
    }
    SCEP_TRY(const config::Config* file, config());
    if (file == nullptr) {
        return util::Error(util::ErrorCode::config, "--ca " + name + ": no configuration file (--config FILE)");
    }
    if (const auto* found = file->ca(name)) return found;
    std::string known;
    for (const auto& [key, value] : file->cas)
        known += (known.empty() ? "" : ", ") + key;
    return util::Error(util::ErrorCode::config,
                       file->path + ": no [ca." + name + "] (CAs: " + (known.empty() ? "none" : known) + ")");
}

util::Result<std::string> Context::scep_url() const {
    SCEP_TRY(const config::CaConfig* chosen, ca());
    const std::string url = !global.url.empty() ? global.url : chosen != nullptr ? chosen->scep_url : std::string();
    if (url.empty()) return util::Error(util::ErrorCode::usage, "no SCEP URL: pass --url URL or --profile NAME");
    const std::string lower = util::to_lower_ascii(url);
    if (lower.rfind("http://", 0) != 0 && lower.rfind("https://", 0) != 0) {
        return util::Error(util::ErrorCode::usage,
                           "--url '" + util::redact_url(url) + "' must start with http:// or https://");
    }
    return url;
}

transport::TransportOptions Context::transport_options() const {
    // Only called after scep_url() or ca() succeeded, so a CA lookup error cannot be lost here.
    auto chosen = ca();
    const config::CaConfig* from_file = chosen ? *chosen : nullptr;
    transport::TransportOptions options;
    options.ca_file = !global.cacert.empty() ? global.cacert : from_file != nullptr ? from_file->tls_ca_file : "";
    options.insecure = global.insecure;
    if (!global.proxy.empty()) options.proxy = global.proxy;
    const double timeout = global.timeout_seconds                       ? *global.timeout_seconds
                           : from_file != nullptr && from_file->timeout ? *from_file->timeout
                                                                        : 60.0;
    options.timeout_ms = static_cast<long>(std::llround(timeout * 1000));
    options.user_agent = std::string("scepctl/") + scepctl::k_version;
    // True only after SIGINT, SIGTERM or SIGHUP in enroll and renew (interrupt::install).
    options.cancelled = [] { return interrupt::received() != 0; };
    const Output* out = &output;
    if (global.verbose) {
        options.trace = [out](const std::string& line) { out->trace(line); };
    }
    if (output.shows_status()) {
        // A request that takes a while says so on a terminal, updated once a second.
        options.waiting = [out](const std::string& host, std::chrono::milliseconds elapsed, bool done) {
            if (done) {
                out->clear_status();
            } else if (elapsed >= std::chrono::seconds(2)) {
                const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
                out->status("waiting for " + host + " (" + std::to_string(seconds) + " s)");
            }
        };
    }
    return options;
}

namespace {

bool stderr_is_terminal() {
    const char* term = std::getenv("TERM");
    return isatty(STDERR_FILENO) == 1 && !(term != nullptr && std::string_view(term) == "dumb");
}

struct SubcommandEntry {
    std::string_view name;
    void (*add)(CLI::App&, Context&);
};

constexpr SubcommandEntry k_subcommands[] = {
    {"getcacaps", add_getcacaps},   {"getcacert", add_getcacert},         {"enroll", add_enroll},
    {"renew", add_renew},           {"getchallenge", add_getchallenge},   {"check-kerberos", add_check_kerberos},
    {"check-ndes", add_check_ndes}, {"getnextcacert", add_getnextcacert}, {"getcert", add_getcert},
    {"getcrl", add_getcrl},
};

// Defining every option of every subcommand costs about a millisecond per run (a tenth of
// GetCACaps' instructions). A subcommand can only be selected by its exact name on the command
// line (CLI11 does no prefix matching), so only the named ones are defined; help, or no name at
// all, defines them all so that listings and errors stay complete.
void add_subcommands(CLI::App& app, Context& context, int argc, char** argv) {
    const std::span<char*> args(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0));
    const auto named = [&](std::string_view word) {
        return std::any_of(args.begin(), args.end(), [word](const char* arg) { return word == arg; });
    };
    const bool help = named("--help") || named("-h") || named("--help-all");
    const bool any_named = std::any_of(std::begin(k_subcommands), std::end(k_subcommands),
                                       [&](const SubcommandEntry& entry) { return named(entry.name); });
    for (const auto& entry : k_subcommands) {
        if (help || !any_named || named(entry.name)) entry.add(app, context);
    }
}

} // namespace

int run(int argc, char** argv) {
    Context context;
    CLI::App app{"scepctl: SCEP (RFC 8894) enrollment client for Microsoft NDES and other SCEP servers"};
    app.name("scepctl");
    bool show_version = false;
    app.add_flag("--version", show_version, "Print the version and the linked OpenSSL, libcurl and krb5 versions");
    add_global_options(app, context.global);
    app.require_subcommand(0, 1);
    add_subcommands(app, context, argc, argv);
    // Global options may follow the subcommand too: "scepctl getcacaps --url ...".
    for (auto* sub : app.get_subcommands({}))
        sub->fallthrough();

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
        std::fprintf(stderr, "scepctl: error: %s (see scepctl --help)\n", e.what());
        return k_exit_usage;
    }

    if (show_version) {
        std::fputs(version_text().c_str(), stdout);
        return k_exit_ok;
    }
    context.output.set_options(
        {context.global.json, context.global.quiet, context.global.verbose, stderr_is_terminal()});
    if (!context.command) {
        std::fputs(app.help().c_str(), stderr);
        context.output.error(util::Error(util::ErrorCode::usage, "no subcommand given"), k_exit_usage);
        return k_exit_usage;
    }
    if (context.global.insecure) {
        context.output.warning(
            "--insecure: the server's TLS certificate is not verified; anyone on the path can impersonate it");
    }

    auto result = context.command();
    if (!result) {
        util::Error error = std::move(result).error();
        if (error.code == util::ErrorCode::interrupted) {
            // The command says where it was and what it kept; the signal is named here, once.
            error.signal = interrupt::received() != 0 ? interrupt::received() : SIGINT;
            error.message = "interrupted by " + interrupt::name(*error.signal) + " " + error.message;
        }
        const int code = exit_code_for(error);
        context.output.error(error, code, context.result_on_error ? &*context.result_on_error : nullptr);
        return code;
    }
    return k_exit_ok;
}

} // namespace cli
