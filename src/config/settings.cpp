#include "config/settings.hpp"

#include <netdb.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>

#include "util/bytes.hpp"
#include "util/fd.hpp"

namespace config {

namespace {

using util::Error;
using util::ErrorCode;

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    return buf;
}

// The canonical name from the resolver, the plain host name when there is none.
std::string fully_qualified_host_name() {
    const std::string host = host_name();
    addrinfo hints{};
    hints.ai_flags = AI_CANONNAME;
    addrinfo* info = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &info);
    const util::AddrInfo owned(info);
    if (rc == 0 && info != nullptr && info->ai_canonname != nullptr) return info->ai_canonname;
    return host;
}

std::string user_name() {
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) return pw->pw_name;
    return std::to_string(::geteuid());
}

Error usage(std::string message) {
    return Error(ErrorCode::usage, std::move(message));
}

// A setting's origin as a message prefix: "--key-size" or "config.toml:3: profile.x.key_size".
std::string where(const Options& options, std::string_view setting) {
    const Setting* found = options.get(setting);
    return found != nullptr ? found->where : "--" + std::string(setting);
}

// A problem with a value the file gave is a configuration error, with a flag's a usage error.
ErrorCode code_for(const Options& options, std::string_view setting) {
    const Setting* found = options.get(setting);
    return found != nullptr && found->origin == Origin::file ? ErrorCode::config : ErrorCode::usage;
}

// An error in a setting's value, named after where it came from: a usage error for a flag, a
// configuration error for the file's value.
Error in_setting(Error error, const Options& options, std::string_view setting) {
    error.code = code_for(options, setting);
    return std::move(error).context(where(options, setting));
}

int integer(const Options& options, std::string_view setting, int fallback) {
    const auto text = options.text(setting);
    return text ? std::atoi(text->c_str()) : fallback; // checked by the option table's validator
}

// A secret file the run will read: it must exist now, before anything is sent.
util::Result<void> check_secret_file(const Options& options, std::string_view setting, const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            return Error(code_for(options, setting), where(options, setting) + ": " + path + " is a directory");
        }
        return {};
    }
    const int err = errno;
    return Error(code_for(options, setting),
                 where(options, setting) + ": secret file " + path +
                     (err == ENOENT ? " does not exist" : ": " + std::string(strerror(err))));
}

// The file of a keytab name: "FILE:PATH" and plain paths are files; other keytab types (MEMORY:,
// KEYRING:, ...) are not, and the Kerberos library names their problems. nullopt for those and
// for no keytab.
std::optional<std::string> keytab_file(const std::string& keytab) {
    if (keytab.empty()) return std::nullopt;
    if (keytab.rfind("FILE:", 0) == 0) return keytab.substr(5);
    const auto colon = keytab.find(':');
    const bool has_type = colon != std::string::npos && colon > 0 && keytab.find('/') > colon;
    return has_type ? std::nullopt : std::optional<std::string>(keytab);
}

// --ca-fingerprint or --ca-cert-pin: the one from the stronger source (the command line over the
// environment over the file); two of one source are refused.
util::Result<std::optional<scep::Fingerprint>> ca_pin(const Options& options) {
    const Setting* fingerprint = options.get("ca-fingerprint");
    const Setting* cert_file = options.get("ca-cert-pin");
    if (fingerprint != nullptr && cert_file != nullptr) {
        if (fingerprint->origin == cert_file->origin) {
            return Error(code_for(options, "ca-cert-pin"),
                         cert_file->where + " and " + fingerprint->where + " both pin the CA: keep one of them");
        }
        (fingerprint->origin < cert_file->origin ? cert_file : fingerprint) = nullptr;
    }
    if (fingerprint != nullptr) {
        SCEP_TRY(scep::Fingerprint pin, scep::parse_fingerprint(fingerprint->values.back()));
        return std::optional<scep::Fingerprint>(std::move(pin));
    }
    if (cert_file == nullptr) return std::optional<scep::Fingerprint>();
    auto cert = read_certificate_file(cert_file->values.back());
    if (!cert) return in_setting(std::move(cert).error(), options, "ca-cert-pin");
    const scep::Certificate& ca = cert->front();
    return std::optional<scep::Fingerprint>(
        scep::Fingerprint{scep::DigestAlg::sha256, ca.fingerprint(scep::DigestAlg::sha256)});
}

} // namespace

util::Result<std::vector<scep::Certificate>> read_certificate_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error(ErrorCode::file, "cannot read " + path + ": " + std::strerror(errno));
    std::string data;
    data.resize(1u << 20); // far above any certificate file
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    data.resize(static_cast<std::size_t>(in.gcount()));
    if (auto der = scep::Certificate::from_der(util::as_bytes(data))) return std::vector<scep::Certificate>{*der};
    auto pem = scep::Certificate::from_pem(data);
    if (!pem) return Error(ErrorCode::file, path + " holds no certificate (neither DER nor PEM)");
    return pem;
}

util::Result<scep::VariableLookup> template_variables(const Options& options, const Environment& environment) {
    auto vars = std::make_shared<std::map<std::string, std::string, std::less<>>>();
    for (const auto& assignment : options.list("var")) { // NAME=VALUE, checked by the option table
        const auto eq = assignment.find('=');
        (*vars)[assignment.substr(0, eq)] = assignment.substr(eq + 1);
    }
    return scep::VariableLookup([vars, environment](std::string_view name) -> std::optional<std::string> {
        if (auto it = vars->find(name); it != vars->end()) return it->second;
        if (auto value = environment(name)) return value;
        if (name == "hostname") return host_name();
        if (name == "fqdn") return fully_qualified_host_name();
        if (name == "user") return user_name();
        return std::nullopt;
    });
}

util::Result<std::optional<std::string>> path_setting(const Options& options, std::string_view setting,
                                                      const scep::VariableLookup& variables) {
    const auto value = options.text(setting);
    if (!value) return std::optional<std::string>();
    auto expanded = scep::expand_template(*value, variables);
    if (!expanded) {
        Error error = std::move(expanded).error().context(where(options, setting));
        error.code = code_for(options, setting);
        return error;
    }
    return std::optional<std::string>(std::move(*expanded));
}

transport::TransportOptions transport_settings(const Options& options) {
    transport::TransportOptions transport;
    transport.ca_file = options.text("cacert").value_or("");
    transport.insecure = options.flag("insecure");
    transport.proxy = options.text("proxy");
    const double seconds = std::strtod(options.text("timeout").value_or("60").c_str(), nullptr);
    // Validated positive and finite (validate.cpp): round half up by hand. std::llround is the only
    // libm function scepctl called, and libm one more library to load (bench/notes/cpu.md).
    transport.timeout_ms = static_cast<long>(seconds * 1000 + 0.5);
    return transport;
}

util::Result<ServerSettings> server_settings(const Options& options) {
    ServerSettings server;
    const auto url = options.text("url");
    if (!url) return usage("no SCEP URL: pass --url URL or --profile NAME");
    server.url = *url;
    server.message = options.text("message").value_or("");
    SCEP_TRY(server.pin, ca_pin(options));
    server.transport = transport_settings(options);
    return server;
}

util::Result<KerberosPlan> kerberos_plan(const Options& options) {
    KerberosPlan plan;
    krb::KerberosSettings& settings = plan.settings;
    settings.realm = options.text("realm").value_or("");
    settings.kdcs = options.list("kdc");
    settings.principal = options.text("service-user").value_or("");
    settings.allowed_domains = options.list("allowed-domain"); // lower-cased by the option table
    settings.use_ccache = options.flag("use-ccache");
    // A keytab or password on the command line replaces both of the file's.
    const bool flag_secret = options.given("keytab") || options.given("password-file");
    const auto secret_of = [&](std::string_view setting) -> std::string {
        const Setting* found = options.get(setting);
        if (found == nullptr || (flag_secret && found->origin != Origin::command_line)) return {};
        return found->values.back();
    };
    settings.keytab = secret_of("keytab");
    plan.password_file = secret_of("password-file");
    plan.keytab_origin = options.given("keytab") ? "--keytab" : "[kerberos] keytab";
    plan.password_origin = options.given("password-file") ? "--password-file" : "[kerberos] password_file";
    if (!settings.use_ccache) {
        if (settings.principal.empty()) {
            return Error(ErrorCode::config, "Kerberos is preferred but no service user is configured (--service-user"
                                            " or [kerberos] service_user; or --use-ccache)");
        }
        if (!settings.keytab.empty() && !plan.password_file.empty()) {
            return usage("--keytab and --password-file exclude each other");
        }
        if (settings.keytab.empty() && plan.password_file.empty()) {
            return Error(ErrorCode::config, "no keytab or password file for the service user " + settings.principal +
                                                " (--keytab, --password-file, or [kerberos] keytab/password_file)");
        }
        if (const auto path = keytab_file(settings.keytab)) SCEP_TRY_VOID(check_secret_file(options, "keytab", *path));
        if (!plan.password_file.empty()) SCEP_TRY_VOID(check_secret_file(options, "password-file", plan.password_file));
    }
    if (settings.realm.empty() && settings.principal.find('@') != std::string::npos) {
        settings.realm = settings.principal.substr(settings.principal.find('@') + 1);
    }
    return plan;
}

util::Result<ChallengePlan> challenge_plan(const Options& options) {
    ChallengePlan plan;
    plan.challenge_file = options.text("challenge-file").value_or("");
    plan.literal = options.text("challenge").value_or("");
    plan.admin_url = options.text("challenge-url").value_or("");
    plan.allow_insecure_auth = options.flag("allow-insecure-auth");
    if (plan.admin_url.empty()) return plan;
    if (options.flag("kerberos")) {
        SCEP_TRY(plan.kerberos, kerberos_plan(options));
    }
    plan.username = options.text("username").value_or("");
    plan.user_password_file = options.text("user-password-file").value_or("");
    plan.user_password_origin = options.given("user-password-file") ? "--user-password-file" : "[ca] password_file";
    if (!plan.username.empty()) {
        if (plan.user_password_file.empty()) {
            return Error(ErrorCode::config, "--username " + plan.username +
                                                " needs a password file (--user-password-file or [ca] password_file)");
        }
        SCEP_TRY_VOID(check_secret_file(options, "user-password-file", plan.user_password_file));
    }
    return plan;
}

util::Result<RequestSettings> request_settings(const Options& options, const scep::VariableLookup& variables) {
    RequestSettings request;
    if (const auto subject = options.text("subject")) {
        // Values are raw; the DN escapes them for its syntax.
        const scep::VariableLookup escaped = [&variables](std::string_view name) -> std::optional<std::string> {
            auto value = variables(name);
            if (!value) return std::nullopt;
            return scep::escape_dn_value(*value);
        };
        auto expanded = scep::expand_template(*subject, escaped);
        if (!expanded) return in_setting(std::move(expanded).error(), options, "subject");
        auto dn = scep::parse_distinguished_name(*expanded);
        if (!dn) return in_setting(std::move(dn).error(), options, "subject");
        request.subject = std::move(*dn);
    }
    if (options.get("san") != nullptr) {
        std::vector<scep::SubjectAltName> sans;
        for (const auto& spec : options.list("san")) {
            auto expanded = scep::expand_template(spec, variables);
            if (!expanded) return in_setting(std::move(expanded).error(), options, "san");
            auto san = scep::parse_subject_alt_name(*expanded);
            if (!san) return in_setting(std::move(san).error(), options, "san");
            sans.push_back(std::move(*san));
        }
        request.sans = std::move(sans);
    }
    if (options.get("key-size") != nullptr) request.key_size = integer(options, "key-size", 2048);
    if (const auto usage_name = options.text("key-usage")) {
        request.key_usage = *usage_name == "signature"    ? KeyUsage::signature
                            : *usage_name == "encryption" ? KeyUsage::encryption
                                                          : KeyUsage::both;
    }
    if (options.get("eku") != nullptr) request.ekus = options.list("eku");
    if (const auto text = options.text("validity")) {
        auto parsed = scep::parse_validity(*text); // checked by the option table
        if (!parsed) return in_setting(std::move(parsed).error(), options, "validity");
        request.validity = *parsed;
    }
    request.algorithms.force = options.flag("force-alg");
    if (const auto name = options.text("cipher")) request.algorithms.cipher = scep::cipher_from_string(*name);
    if (const auto name = options.text("digest")) request.algorithms.digest = scep::digest_from_string(*name);
    for (const auto& name : options.list("allowed-digests")) {
        if (auto digest = scep::digest_from_string(name)) request.algorithms.allowed_digests.push_back(*digest);
    }
    const std::string method = options.text("method").value_or("auto");
    request.method = method == "get"    ? scep::HttpMethod::get
                     : method == "post" ? scep::HttpMethod::post
                                        : scep::HttpMethod::automatic;
    request.poll = {std::chrono::seconds(integer(options, "poll-interval", 10)), integer(options, "max-polls", 30),
                    std::chrono::seconds(integer(options, "poll-timeout", 3600))};
    return request;
}

KeyUsage key_usage_of(const scep::KeyUsage& usage) {
    if (!usage.present) return KeyUsage::both;
    if (usage.digital_signature && !usage.key_encipherment) return KeyUsage::signature;
    if (usage.key_encipherment && !usage.digital_signature) return KeyUsage::encryption;
    return KeyUsage::both;
}

std::string to_string(KeyUsage usage) {
    switch (usage) {
    case KeyUsage::signature: return "signature";
    case KeyUsage::encryption: return "encryption";
    case KeyUsage::both: return "both";
    }
    return "both";
}

KeyStoreSettings key_store_settings(const Options& options) {
    KeyStoreSettings settings;
    // The option table allows only the store names (k_key_stores).
    settings.store = scep::parse_key_store(options.text("key-store").value_or("file")).value_or(scep::KeyStore::file);
    settings.hardware.tpm2_tcti = options.text("tpm2-tcti").value_or("");
    settings.hardware.pkcs11_module = options.text("pkcs11-module").value_or("");
    return settings;
}

} // namespace config
