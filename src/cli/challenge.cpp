#include "cli/challenge.hpp"

#include <algorithm>

#include "cli/app.hpp"
#include "cli/secrets.hpp"
#include "ndes/challenge_page.hpp"
#include "util/url.hpp"

namespace cli {

using scep::HttpAuth;
using util::Error;
using util::ErrorCode;

void add_challenge_options(CLI::App* sub, ChallengeOptions& o) {
    sub->add_option("--challenge-url", o.challenge_url,
                    "Fetch a one-time challenge from this NDES admin page (.../certsrv/mscep_admin/)");
    // Two flags, not one negatable optional: CLI11 2.1 sets an unset optional flag to false.
    auto* kerberos = sub->add_flag("--kerberos", o.kerberos,
                                   "Authenticate to the admin page with Kerberos (Negotiate) as the service user");
    sub->add_flag("--no-kerberos", o.no_kerberos, "Do not use Kerberos, whatever the CA's prefer_kerberos says")
        ->excludes(kerberos);
    sub->add_option("--realm", o.realm, "Kerberos realm, upper case (e.g. CORP.EXAMPLE.COM)");
    sub->add_option("--kdc", o.kdcs, "KDC host[:port] (repeatable; default: krb5.conf or DNS)");
    sub->add_option("--service-user", o.service_user, "Kerberos service user, user@REALM");
    sub->add_option("--keytab", o.keytab, "Keytab of the service user");
    sub->add_option("--password-file", o.password_file, "File holding the service user's Kerberos password");
    sub->add_option("--allowed-domain", o.allowed_domains,
                    "DNS domain Kerberos tokens may be sent to (repeatable; the admin page's host must be inside)");
    sub->add_flag("--use-ccache", o.use_ccache,
                  "Use the tickets in your default credential cache (kinit) instead of the service user's");
    sub->add_option("--username", o.username, "User for NTLM or Basic authentication to the admin page");
    sub->add_option("--user-password-file", o.user_password_file, "File holding the --username password");
    sub->add_flag("--allow-insecure-auth", o.allow_insecure_auth,
                  "Allow NTLM or Basic authentication over plain http (the password can be read, cracked or relayed)"
                  " and Negotiate over it without a warning");
}

namespace {

template <class T> const T& pick(const T& flag, const T& file) {
    return flag.empty() ? file : flag;
}

} // namespace

util::Result<krb::KerberosSettings> resolve_kerberos_settings(const Context& context, const ChallengeOptions& options) {
    SCEP_TRY(const config::Config* file, context.config());
    static const config::KerberosConfig k_empty;
    const config::KerberosConfig& kf = file != nullptr && file->kerberos ? *file->kerberos : k_empty;
    krb::KerberosSettings settings;
    settings.realm = pick(options.realm, kf.realm);
    settings.kdcs = options.kdcs.empty() ? kf.kdc : options.kdcs;
    settings.principal = pick(options.service_user, kf.service_user);
    settings.allowed_domains = options.allowed_domains.empty() ? kf.allowed_domains : options.allowed_domains;
    for (auto& domain : settings.allowed_domains)
        domain = util::to_lower_ascii(domain);
    settings.use_ccache = options.use_ccache;
    // A keytab or password on the command line replaces both of the file's.
    const bool flag_secret = !options.keytab.empty() || !options.password_file.empty();
    settings.keytab = flag_secret ? options.keytab : kf.keytab;
    const std::string password_file = flag_secret ? options.password_file : kf.password_file;
    const char* const keytab_origin = flag_secret ? "--keytab" : "[kerberos] keytab";
    const char* const password_origin = flag_secret ? "--password-file" : "[kerberos] password_file";
    if (!settings.use_ccache) {
        if (settings.principal.empty()) {
            return Error(ErrorCode::config, "Kerberos is preferred but no service user is configured (--service-user"
                                            " or [kerberos] service_user; or --use-ccache)");
        }
        if (!settings.keytab.empty() && !password_file.empty()) {
            return Error(ErrorCode::usage, "--keytab and --password-file exclude each other");
        }
        if (settings.keytab.empty() && password_file.empty()) {
            return Error(ErrorCode::config, "no keytab or password file for the service user " + settings.principal +
                                                " (--keytab, --password-file, or [kerberos] keytab/password_file)");
        }
        if (!password_file.empty()) {
            SCEP_TRY(settings.password, read_secret_file(password_file, password_origin, context.output));
        }
        if (!settings.keytab.empty()) check_keytab_permissions(settings.keytab, keytab_origin, context.output);
    }
    if (settings.realm.empty() && settings.principal.find('@') != std::string::npos) {
        settings.realm = settings.principal.substr(settings.principal.find('@') + 1);
    }
    return settings;
}

util::Result<std::optional<ChallengeSource>> resolve_challenge_source(const Context& context,
                                                                      const ChallengeOptions& options) {
    SCEP_TRY(const config::CaConfig* ca, context.ca());
    const std::string url = pick(options.challenge_url, ca != nullptr ? ca->challenge_url : std::string());
    if (url.empty()) return std::optional<ChallengeSource>();
    const std::string lower = util::to_lower_ascii(url);
    if (lower.rfind("http://", 0) != 0 && lower.rfind("https://", 0) != 0) {
        return Error(ErrorCode::usage,
                     "--challenge-url '" + util::redact_url(url) + "' must start with http:// or https://");
    }

    ChallengeSource source;
    source.url = url;
    source.allow_insecure_auth = options.allow_insecure_auth;
    source.prefer_kerberos = options.kerberos || (!options.no_kerberos && ca != nullptr && ca->prefer_kerberos);

    if (source.prefer_kerberos) {
        SCEP_TRY(source.kerberos, resolve_kerberos_settings(context, options));
    }

    source.username = pick(options.username, ca != nullptr ? ca->username : std::string());
    const std::string user_password_file =
        pick(options.user_password_file, ca != nullptr ? ca->password_file : std::string());
    if (!source.username.empty()) {
        if (user_password_file.empty()) {
            return Error(ErrorCode::config, "--username " + source.username +
                                                " needs a password file (--user-password-file or [ca] password_file)");
        }
        SCEP_TRY(source.password,
                 read_secret_file(user_password_file,
                                  options.user_password_file.empty() ? "[ca] password_file" : "--user-password-file",
                                  context.output));
    }
    return std::optional<ChallengeSource>(std::move(source));
}

namespace {

bool offers(const std::vector<std::string>& schemes, const char* scheme) {
    return std::find(schemes.begin(), schemes.end(), scheme) != schemes.end();
}

std::string join(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items)
        text += (text.empty() ? "" : ", ") + item;
    return text.empty() ? "none" : text;
}

// What an HTTP status on the admin page usually means on IIS/NDES.
Error admin_page_status_error(const scep::HttpResponse& response, const std::string& host) {
    const long status = response.status;
    std::string message = "NDES admin page on " + host + ": HTTP " + std::to_string(status);
    switch (status) {
    case 403: message += ": access denied (IIS: check SSL settings and IP restrictions on CertSrv/mscep_admin)"; break;
    case 404:
        message += ": no admin page at this URL (the mscep_admin application is missing or was removed by hardening;"
                   " the URL ends in /certsrv/mscep_admin/)";
        break;
    case 500:
        message += ": NDES failed (Application log: service account locked or password expired, MSCEP-RA"
                   " certificates expired, or a broken EncryptedPassword registry value)";
        break;
    case 503:
        message += ": the SCEP application pool is stopped or crashing (start it; read the Application log)";
        break;
    default: break;
    }
    Error error(ErrorCode::http_status, std::move(message));
    error.http_status = status;
    return error;
}

// The page and the body it came in hold the challenge: both are wiped once it is read.
util::Result<util::Secret> challenge_from_page(scep::HttpResponse& response) {
    std::string page = ndes::decode_page(response.body);
    auto challenge = ndes::parse_challenge_page(page);
    util::cleanse(page);
    util::wipe(response.body);
    return challenge;
}

// Kerberos: the service user's ticket into a private cache, the SPN checked with the KDC (so a
// missing SPN is named, not guessed from a bare 401), then the page with Negotiate.
util::Result<FetchedChallenge> fetch_with_kerberos(const ChallengeSource& source, const std::string& host,
                                                   transport::CurlTransport& http, const Output& out) {
    const krb::KerberosSettings& settings = *source.kerberos;
    SCEP_TRY(const auto session, krb::Session::open(settings));
    SCEP_TRY(const krb::TicketInfo tgt, session->acquire_initial_ticket());
    out.note("Kerberos: ticket for " + tgt.client + (settings.use_ccache ? " from " + session->ccache_name() : ""));
    SCEP_TRY(const krb::TicketInfo service, session->service_ticket(host));
    if (service.weak_enctype) {
        out.warning("Kerberos: the ticket for " + service.server + " uses " + service.enctype +
                    " (weak): enable AES on the account that owns the SPN");
    }
    http.set_credentials({HttpAuth::negotiate, {}, {}});
    SCEP_TRY(scep::HttpResponse response, http.get(source.url));
    http.set_credentials({});
    if (response.status == 401) {
        Error error(ErrorCode::http_auth,
                    "NDES admin page on " + host + " refused our Kerberos ticket for " + service.server +
                        " (HTTP 401): the SPN must belong to the account the SCEP app pool runs as"
                        " (useAppPoolCredentials=True or kernel-mode authentication off), and that account needs"
                        " access; run scepctl check-kerberos");
        error.http_status = 401;
        return error;
    }
    if (response.status != 200) return admin_page_status_error(response, host);
    SCEP_TRY(util::Secret challenge, challenge_from_page(response));
    return FetchedChallenge{std::move(challenge), "Negotiate (Kerberos)", tgt.client + ", SPN " + service.server};
}

} // namespace

util::Result<FetchedChallenge> fetch_challenge(const ChallengeSource& source,
                                               const transport::TransportOptions& transport_options,
                                               const Output& out) {
    const std::string host = transport::url_host(source.url);
    if (host.empty()) {
        return Error(ErrorCode::usage, "--challenge-url '" + util::redact_url(source.url) + "' has no host name");
    }
    // Tokens go only to hosts inside the allowed domains: checked before any packet is sent.
    if (source.prefer_kerberos && !krb::host_in_domains(host, source.kerberos->allowed_domains)) {
        return Error(ErrorCode::config, "Kerberos: " + host + " is outside the allowed domains (" +
                                            join(source.kerberos->allowed_domains) +
                                            "): add its domain to [kerberos] allowed_domains (--allowed-domain); "
                                            "nothing was sent");
    }
    const bool plain_http = util::to_lower_ascii(source.url).rfind("http://", 0) == 0;

    transport::CurlTransport http(transport_options);
    // First without credentials: shows what the server offers (and whether anonymous access is on).
    SCEP_TRY(scep::HttpResponse probe, http.get(source.url));
    if (probe.status == 200) {
        out.warning("the NDES admin page on " + host +
                    " answers without authentication: disable Anonymous"
                    " Authentication on CertSrv/mscep_admin");
        SCEP_TRY(util::Secret challenge, challenge_from_page(probe));
        return FetchedChallenge{std::move(challenge), "none", "anonymous"};
    }
    if (probe.status != 401) return admin_page_status_error(probe, host);
    const std::vector<std::string> schemes = scep::offered_auth_schemes(probe.www_authenticate);

    std::optional<Error> kerberos_failure;
    if (source.prefer_kerberos) {
        if (offers(schemes, "negotiate")) {
            if (plain_http && !source.allow_insecure_auth) {
                out.warning("Negotiate over plain http to " + host +
                            ": the Kerberos token and the one-time challenge cross the network readable; use https"
                            " (--allow-insecure-auth silences this)");
            }
            auto fetched = fetch_with_kerberos(source, host, http, out);
            if (fetched) return fetched;
            kerberos_failure = std::move(fetched).error();
        } else {
            kerberos_failure =
                Error(ErrorCode::http_auth,
                      "NDES admin page on " + host + " does not offer Negotiate (offers: " + join(schemes) +
                          "): in IIS, Windows Authentication > Providers, add Negotiate and put it first");
        }
        if (source.username.empty()) return std::move(*kerberos_failure);
    }

    if (source.username.empty()) {
        if (offers(schemes, "negotiate")) {
            return Error(ErrorCode::http_auth, "NDES admin page on " + host +
                                                   " requires authentication (offers: " + join(schemes) +
                                                   "): enable Kerberos (--kerberos, or prefer_kerberos"
                                                   " with a [kerberos] table) or give --username");
        }
        return Error(ErrorCode::http_auth, "NDES admin page on " + host + " requires authentication (offers: " +
                                               join(schemes) + "): give --username and --user-password-file");
    }
    HttpAuth scheme = HttpAuth::none;
    if (offers(schemes, "ntlm")) {
        scheme = HttpAuth::ntlm;
    } else if (offers(schemes, "basic")) {
        scheme = HttpAuth::basic;
    } else {
        if (kerberos_failure) return std::move(*kerberos_failure);
        return Error(ErrorCode::http_auth, "NDES admin page on " + host + " offers neither NTLM nor Basic (offers: " +
                                               join(schemes) + "): use Kerberos (--kerberos)");
    }
    // Checked before the password leaves: Basic sends it readable, and an NTLMv2 response seen on
    // the wire can be cracked offline or relayed to another server.
    if (plain_http && !source.allow_insecure_auth) {
        const std::string risk =
            scheme == HttpAuth::basic
                ? "only Basic authentication over plain http, which would send the password readable"
                : "NTLM over plain http, whose response anyone on the path can crack offline or relay";
        return Error(ErrorCode::usage, "NDES admin page on " + host + " offers " + risk +
                                           ": use https, or --allow-insecure-auth if you accept that");
    }
    if (kerberos_failure) {
        out.warning(kerberos_failure->message);
        out.note("falling back to " + scep::to_string(scheme) + " as " + source.username);
    }
    http.set_credentials({scheme, source.username, *source.password});
    SCEP_TRY(scep::HttpResponse response, http.get(source.url));
    http.set_credentials({});
    if (response.status == 401) {
        Error error(ErrorCode::http_auth, "NDES admin page on " + host + " refused " + scep::to_string(scheme) +
                                              " authentication as " + source.username +
                                              " (HTTP 401): check the user name and password file");
        error.http_status = 401;
        return error;
    }
    if (response.status != 200) return admin_page_status_error(response, host);
    SCEP_TRY(util::Secret challenge, challenge_from_page(response));
    return FetchedChallenge{std::move(challenge), scep::to_string(scheme), source.username};
}

} // namespace cli
