#include "krb/kerberos.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <profile.h>

#include "krb/session_state.hpp"
#include "util/bytes.hpp"

namespace krb {

using util::Error;
using util::ErrorCode;

bool host_in_domains(std::string_view host, const std::vector<std::string>& domains) {
    std::string name = util::to_lower_ascii(host);
    while (!name.empty() && name.back() == '.')
        name.pop_back(); // "host.example.com." is the same host
    for (const auto& entry : domains) {
        std::string domain = util::to_lower_ascii(entry);
        while (!domain.empty() && domain.front() == '.')
            domain.erase(0, 1);
        if (domain.empty()) continue;
        if (name == domain) return true;
        if (name.size() > domain.size() && name.compare(name.size() - domain.size(), domain.size(), domain) == 0 &&
            name[name.size() - domain.size() - 1] == '.') {
            return true;
        }
    }
    return false;
}

namespace {

struct ErrorEntry {
    long code;
    ErrorInfo info;
};

// MIT 1.20 codes (krb5.h); texts follow the NDES setup steps an admin can act on.
constexpr std::array k_errors{
    ErrorEntry{KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN,
               {"KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN", "the KDC does not know the service user",
                "check the service user's name and realm (user@REALM, realm in upper case)"}},
    ErrorEntry{KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN,
               {"KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN", "the KDC has no such service principal (SPN missing)",
                "register the SPN on the account the web server runs as: setspn -s http/<fqdn> <DOMAIN>\\<account>"}},
    ErrorEntry{
        KRB5KDC_ERR_PRINCIPAL_NOT_UNIQUE,
        {"KRB5KDC_ERR_PRINCIPAL_NOT_UNIQUE", "the SPN is registered on more than one account",
         "find the duplicates with setspn -Q http/<fqdn> (forest: setspn -X) and remove the wrong one with setspn -D"}},
    ErrorEntry{KRB5KDC_ERR_PREAUTH_FAILED,
               {"KRB5KDC_ERR_PREAUTH_FAILED", "wrong password or stale keytab",
                "check the password file, or export the keytab again (its kvno changes with every password reset)"}},
    ErrorEntry{KRB5KRB_AP_ERR_BAD_INTEGRITY,
               {"KRB5KRB_AP_ERR_BAD_INTEGRITY", "wrong password or stale keytab",
                "check the password file, or export the keytab again (its kvno changes with every password reset)"}},
    ErrorEntry{KRB5_PREAUTH_FAILED,
               {"KRB5_PREAUTH_FAILED", "pre-authentication failed (wrong password or stale keytab)",
                "check the password file, or export the keytab again"}},
    ErrorEntry{KRB5KDC_ERR_KEY_EXP,
               {"KRB5KDC_ERR_KEY_EXP", "the service user's password has expired",
                "set a new password for the account in AD (and export its keytab again)"}},
    ErrorEntry{KRB5KDC_ERR_NAME_EXP,
               {"KRB5KDC_ERR_NAME_EXP", "the service user's account has expired",
                "extend the account's expiry date in AD (Account tab, Account expires)"}},
    ErrorEntry{KRB5KDC_ERR_CLIENT_REVOKED,
               {"KRB5KDC_ERR_CLIENT_REVOKED", "the service user is disabled, locked out or expired",
                "enable or unlock the account in AD (Active Directory Users and Computers)"}},
    ErrorEntry{KRB5KDC_ERR_POLICY,
               {"KRB5KDC_ERR_POLICY", "the KDC policy refuses this logon (logon hours, workstation restrictions)",
                "check the account's logon restrictions in AD"}},
    ErrorEntry{KRB5KDC_ERR_WRONG_REALM,
               {"KRB5KDC_ERR_WRONG_REALM", "the service user belongs to another realm",
                "use the account's realm (the AD DNS domain in upper case) in user@REALM"}},
    ErrorEntry{KRB5KDC_ERR_ETYPE_NOSUPP,
               {"KRB5KDC_ERR_ETYPE_NOSUPP", "no encryption type in common with the KDC",
                "enable AES for the account ('This account supports Kerberos AES 256'), reset its password once, "
                "export the keytab again"}},
    ErrorEntry{KRB5KDC_ERR_BADOPTION,
               {"KRB5KDC_ERR_BADOPTION", "the KDC refused a ticket option (delegation)",
                "check the account's delegation settings: specified services only, Use Kerberos only, HTTP/<fqdn>"}},
    ErrorEntry{KRB5KRB_AP_ERR_SKEW,
               {"KRB5KRB_AP_ERR_SKEW", "clock skew too great",
                "synchronise this host and the servers with the domain time source (NTP; w32tm /resync)"}},
    ErrorEntry{KRB5_KDCREP_SKEW,
               {"KRB5_KDCREP_SKEW", "clock skew too great between this host and the KDC",
                "synchronise this host with the domain time source (NTP)"}},
    ErrorEntry{KRB5KRB_AP_ERR_MODIFIED,
               {"KRB5KRB_AP_ERR_MODIFIED", "the server could not decrypt the ticket",
                "the SPN must be on the account the app pool runs as: set useAppPoolCredentials=True (or disable "
                "kernel-mode authentication) on CertSrv/mscep_admin and keep http/<fqdn> only on that account"}},
    ErrorEntry{KRB5KRB_AP_ERR_NOT_US,
               {"KRB5KRB_AP_ERR_NOT_US", "the ticket is encrypted with another account's key",
                "the SPN must be registered on the account the SCEP app pool runs as: setspn -Q http/<fqdn> shows "
                "which account holds it; setspn -D it there and setspn -S it on the service account"}},
    ErrorEntry{KRB5KRB_AP_ERR_BADKEYVER,
               {"KRB5KRB_AP_ERR_BADKEYVER", "the server has an older key for its SPN than the KDC (stale keytab)",
                "the account that owns the SPN changed its password: on IIS run the SCEP app pool as that account with "
                "useAppPoolCredentials=True and iisreset; elsewhere export the service keytab again"}},
    ErrorEntry{KRB5KRB_AP_ERR_NOKEY,
               {"KRB5KRB_AP_ERR_NOKEY", "the server has no key for its SPN",
                "the SPN must belong to the account the SCEP app pool runs as (useAppPoolCredentials=True, or "
                "kernel-mode authentication off); export the service keytab for that account"}},
    ErrorEntry{
        KRB5KRB_AP_ERR_TKT_EXPIRED,
        {"KRB5KRB_AP_ERR_TKT_EXPIRED", "the ticket has expired", "get a fresh ticket (kinit, or drop --use-ccache)"}},
    ErrorEntry{KRB5_KDC_UNREACH,
               {"KRB5_KDC_UNREACH", "no KDC could be reached",
                "open TCP and UDP port 88 to the KDC and check the kdc setting and DNS SRV records"}},
    ErrorEntry{KRB5_REALM_CANT_RESOLVE,
               {"KRB5_REALM_CANT_RESOLVE", "the KDC's name does not resolve",
                "check the kdc setting, or the _kerberos._tcp SRV records of the realm"}},
    ErrorEntry{KRB5_REALM_UNKNOWN,
               {"KRB5_REALM_UNKNOWN", "no KDC is known for the realm",
                "set kdc in the [kerberos] table, or publish _kerberos._tcp SRV records for the realm"}},
    ErrorEntry{KRB5_KT_NOTFOUND,
               {"KRB5_KT_NOTFOUND", "the keytab has no key for the service user",
                "export a keytab for exactly this principal (ktpass/ktutil), with the current kvno"}},
    ErrorEntry{KRB5_KT_END, {"KRB5_KT_END", "the keytab is empty", "export a keytab for the service user"}},
    ErrorEntry{KRB5_CONFIG_NODEFREALM,
               {"KRB5_CONFIG_NODEFREALM", "no default realm configured", "set realm in the [kerberos] table"}},
    ErrorEntry{KRB5_CC_NOTFOUND,
               {"KRB5_CC_NOTFOUND", "no matching ticket in the credential cache", "run kinit, or drop --use-ccache"}},
    ErrorEntry{KRB5_FCC_NOFILE,
               {"KRB5_FCC_NOFILE", "the credential cache does not exist", "run kinit, or drop --use-ccache"}},
};

std::optional<std::string> getenv_string(const char* name) {
    if (const char* v = std::getenv(name); v != nullptr) return std::string(v);
    return std::nullopt;
}

} // namespace

void restore_env(const char* name, const std::optional<std::string>& value) {
    if (value)
        ::setenv(name, value->c_str(), 1);
    else
        ::unsetenv(name);
}

std::optional<long> error_code_from_text(std::string_view text) {
    krb5_context raw = nullptr;
    if (krb5_init_context(&raw) != 0) return std::nullopt;
    const ContextPtr context(raw);
    for (const auto& entry : k_errors) {
        const char* message = krb5_get_error_message(context.get(), static_cast<krb5_error_code>(entry.code));
        const bool found = message != nullptr && *message != '\0' && text.find(message) != std::string_view::npos;
        krb5_free_error_message(context.get(), message);
        if (found) return entry.code;
    }
    return std::nullopt;
}

std::optional<ErrorInfo> describe_error(long code) {
    for (const auto& entry : k_errors) {
        if (entry.code == code) return entry.info;
    }
    return std::nullopt;
}

namespace {

// kdc = host[:port] lines for the realm; canonicalisation as the NDES notes recommend: try the
// name as typed first (the SPN admins register), never trust reverse DNS.
std::string private_config_text(const KerberosSettings& settings) {
    std::string text = "[libdefaults]\n";
    text += "    default_realm = " + settings.realm + "\n";
    text += "    dns_canonicalize_hostname = fallback\n";
    text += "    rdns = false\n";
    text += "[realms]\n    " + settings.realm + " = {\n";
    for (const auto& kdc : settings.kdcs)
        text += "        kdc = " + kdc + "\n";
    text += "    }\n[domain_realm]\n";
    for (const auto& domain : settings.allowed_domains) {
        text += "    " + domain + " = " + settings.realm + "\n";
        text += "    ." + domain + " = " + settings.realm + "\n";
    }
    return text;
}

util::Result<std::string> write_private_config(const std::string& text) {
    std::string dir = getenv_string("TMPDIR").value_or("/tmp");
    if (dir.empty()) dir = "/tmp";
    std::string path = dir + "/scepctl-krb5-XXXXXX";
    const int fd = ::mkstemp(path.data());
    if (fd < 0) {
        return Error(ErrorCode::file, "cannot create a private krb5.conf in " + dir + ": " + std::strerror(errno));
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n <= 0) {
            const int saved = errno;
            ::close(fd);
            ::unlink(path.c_str());
            return Error(ErrorCode::file, "cannot write " + path + ": " + std::strerror(saved));
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return path;
}

} // namespace

Session::Session(std::unique_ptr<State> state) : m_state(std::move(state)) {}
Session::~Session() = default;

const std::string& Session::ccache_name() const {
    return m_state->ccache_name;
}
const std::string& Session::last_error_name() const {
    return m_state->last_error_name;
}
std::optional<long> Session::last_error() const {
    return m_state->last_error;
}

std::vector<std::string> Session::kdcs_for_realm() const {
    std::vector<std::string> kdcs;
    profile_t profile = nullptr;
    if (krb5_get_profile(m_state->context.get(), &profile) != 0 || profile == nullptr) return kdcs;
    const std::string realm = m_state->settings.realm;
    const char* names[] = {"realms", realm.c_str(), "kdc", nullptr};
    char** values = nullptr;
    if (profile_get_values(profile, names, &values) == 0 && values != nullptr) {
        for (char** v = values; *v != nullptr; ++v)
            kdcs.emplace_back(*v);
        profile_free_list(values);
    }
    profile_release(profile);
    return kdcs;
}

ClockSettings Session::clock_settings() const {
    ClockSettings clock;
    profile_t profile = nullptr;
    if (krb5_get_profile(m_state->context.get(), &profile) != 0 || profile == nullptr) return clock;
    int timesync = 1, skew = static_cast<int>(clock.allowed_skew);
    // MIT's defaults (krb5.conf(5)): kdc_timesync true, clockskew 300 s.
    if (profile_get_boolean(profile, "libdefaults", "kdc_timesync", nullptr, 1, &timesync) == 0) {
        clock.kdc_timesync = timesync != 0;
    }
    if (profile_get_integer(profile, "libdefaults", "clockskew", nullptr, skew, &skew) == 0 && skew > 0) {
        clock.allowed_skew = skew;
    }
    profile_release(profile);
    return clock;
}

std::string config_files() {
    const char* env = std::getenv("KRB5_CONFIG");
    return env != nullptr && *env != '\0' ? env : "/etc/krb5.conf";
}
const std::string& Session::private_config_path() const {
    return m_state->config_path;
}
const KerberosSettings& Session::settings() const {
    return m_state->settings;
}

util::Result<std::unique_ptr<Session>> Session::open(const KerberosSettings& settings) {
    auto state = std::make_unique<State>();
    state->settings = settings;
    if (!settings.kdcs.empty()) {
        if (settings.realm.empty()) return Error(ErrorCode::config, "Kerberos: a KDC is configured but no realm");
        auto path = write_private_config(private_config_text(settings));
        if (!path) return std::move(path).error();
        state->config_path = *path;
        state->old_krb5_config = getenv_string("KRB5_CONFIG");
        // Ours first: its values win; the system file still supplies everything else.
        const std::string chain = state->config_path + ":" + state->old_krb5_config.value_or("/etc/krb5.conf");
        ::setenv("KRB5_CONFIG", chain.c_str(), 1);
    }
    krb5_context raw = nullptr;
    if (const krb5_error_code code = krb5_init_context(&raw); code != 0) {
        return Error(ErrorCode::config, "Kerberos: cannot read the krb5 configuration (krb5 error " +
                                            std::to_string(code) + "); check KRB5_CONFIG and /etc/krb5.conf");
    }
    state->context.reset(raw);
    krb5_context ctx = state->context.get();
    if (settings.use_ccache) {
        if (const krb5_error_code code = krb5_cc_default(ctx, &state->ccache); code != 0) {
            return state->error(code, "cannot open the default credential cache");
        }
    } else {
        if (const krb5_error_code code = krb5_cc_new_unique(ctx, "MEMORY", nullptr, &state->ccache); code != 0) {
            return state->error(code, "cannot create a private credential cache");
        }
        state->own_ccache = true;
    }
    char* full_name = nullptr;
    if (krb5_cc_get_full_name(ctx, state->ccache, &full_name) == 0 && full_name != nullptr) {
        state->ccache_name = full_name;
        krb5_free_string(ctx, full_name);
    }
    if (!settings.use_ccache) {
        // libcurl's GSSAPI takes no credential handle; it uses this thread's default cache.
        OM_uint32 minor = 0;
        if (gss_krb5_ccache_name(&minor, state->ccache_name.c_str(), nullptr) != GSS_S_COMPLETE) {
            return Error(ErrorCode::internal, "Kerberos: cannot select the private credential cache for GSSAPI");
        }
        state->gss_ccache_set = true;
    }
    return std::unique_ptr<Session>(new Session(std::move(state)));
}

namespace {

// The TGT from a keytab with pre-authentication in the first AS-REQ (PA-ENC-TIMESTAMP, RFC 4120
// §5.2.7.2; "optimistic" in MIT's words). AD and MIT KDCs require pre-authentication, and without
// it the first AS-REQ only fetches PREAUTH_REQUIRED and the salt: one KDC exchange fewer (issue 22).
// A keytab holds the account's keys themselves, so no salt is guessed. MIT does not fall back by
// itself when the KDC refuses the guess (the keytab's first enctype is one the account lacks:
// ETYPE_NOSUPP): then the ordinary exchange follows. Not after PREAUTH_FAILED: the ordinary
// exchange would use the same key from the keytab and fail again, and on AD each failure counts
// towards the account's lockout, which a fleet sharing one service account must not reach twice
// as fast. Not with a password either: its key needs the KDC's salt, and a guess with the wrong
// one (AD's salt holds the sAMAccountName, the test bed's the realm only) is such a failed logon.
krb5_error_code initial_ticket_from_keytab(krb5_context ctx, krb5_creds& creds, krb5_principal client,
                                           krb5_keytab keytab, krb5_get_init_creds_opt* options) {
    krb5_preauthtype optimistic[] = {KRB5_PADATA_ENC_TIMESTAMP};
    krb5_get_init_creds_opt_set_preauth_list(options, optimistic, 1);
    krb5_error_code code = krb5_get_init_creds_keytab(ctx, &creds, client, keytab, 0, nullptr, options);
    // A refused enctype, and a clock too far off: the timestamp went out before the KDC's answer
    // could tell krb5 its time (kdc_timesync), which the ordinary exchange learns first.
    if (code != KRB5KDC_ERR_ETYPE_NOSUPP && code != KRB5KRB_AP_ERR_SKEW) return code;
    krb5_get_init_creds_opt_set_preauth_list(options, nullptr, 0);
    return krb5_get_init_creds_keytab(ctx, &creds, client, keytab, 0, nullptr, options);
}

} // namespace

util::Result<TicketInfo> Session::acquire_initial_ticket() {
    State& s = *m_state;
    krb5_context ctx = s.context.get();
    const KerberosSettings& settings = s.settings;

    if (settings.use_ccache) {
        krb5_principal client = nullptr;
        if (const krb5_error_code code = krb5_cc_get_principal(ctx, s.ccache, &client); code != 0) {
            return s.error(code, "no ticket in the default credential cache " + s.ccache_name + " (--use-ccache)");
        }
        krb5_creds match{};
        krb5_creds found{};
        match.client = client;
        krb5_principal tgs = nullptr;
        const krb5_data* realm = krb5_princ_realm(ctx, client);
        krb5_error_code code = krb5_build_principal_ext(ctx, &tgs, realm->length, realm->data, KRB5_TGS_NAME_SIZE,
                                                        KRB5_TGS_NAME, realm->length, realm->data, 0);
        if (code == 0) {
            match.server = tgs;
            code = krb5_cc_retrieve_cred(ctx, s.ccache, 0, &match, &found);
        }
        util::Result<TicketInfo> result =
            code == 0
                ? util::Result<TicketInfo>(s.ticket_info(found))
                : util::Result<TicketInfo>(s.error(code, "no TGT for " + s.unparse(client) + " in " + s.ccache_name));
        if (code == 0) krb5_free_cred_contents(ctx, &found);
        if (tgs != nullptr) krb5_free_principal(ctx, tgs);
        krb5_free_principal(ctx, client);
        return result;
    }

    if (settings.principal.empty()) return Error(ErrorCode::config, "Kerberos: no service user configured");
    std::string name = settings.principal;
    if (name.find('@') == std::string::npos && !settings.realm.empty()) name += "@" + settings.realm;
    krb5_principal client = nullptr;
    if (const krb5_error_code code = krb5_parse_name(ctx, name.c_str(), &client); code != 0) {
        return s.error(code, "service user '" + name + "' is not a valid principal name");
    }
    std::unique_ptr<std::remove_pointer_t<krb5_principal>, std::function<void(krb5_principal)>> client_guard(
        client, [ctx](krb5_principal p) { krb5_free_principal(ctx, p); });

    krb5_get_init_creds_opt* options = nullptr;
    if (const krb5_error_code code = krb5_get_init_creds_opt_alloc(ctx, &options); code != 0) {
        return s.error(code, "cannot allocate ticket options");
    }
    std::unique_ptr<krb5_get_init_creds_opt, std::function<void(krb5_get_init_creds_opt*)>> options_guard(
        options, [ctx](krb5_get_init_creds_opt* o) { krb5_get_init_creds_opt_free(ctx, o); });
    krb5_get_init_creds_opt_set_out_ccache(ctx, options, s.ccache);
    // As Windows asks: a forwardable TGT, so that a service ticket can serve as S4U2Proxy evidence
    // (the delegation check). The KDC leaves the flag off where the account forbids it.
    krb5_get_init_creds_opt_set_forwardable(options, 1);

    krb5_creds creds{};
    krb5_error_code code = 0;
    std::string source;
    if (!settings.keytab.empty()) {
        source = "keytab " + settings.keytab;
        krb5_keytab keytab = nullptr;
        const std::string kt_name =
            settings.keytab.find(':') == std::string::npos ? "FILE:" + settings.keytab : settings.keytab;
        code = krb5_kt_resolve(ctx, kt_name.c_str(), &keytab);
        if (code == 0) {
            code = initial_ticket_from_keytab(ctx, creds, client, keytab, options);
            krb5_kt_close(ctx, keytab);
        }
    } else if (settings.password) {
        source = "password file";
        code = krb5_get_init_creds_password(ctx, &creds, client, settings.password->c_str(), nullptr, nullptr, 0,
                                            nullptr, options);
    } else {
        return Error(ErrorCode::config, "Kerberos: no keytab or password file for " + name);
    }
    if (code != 0) return s.error(code, "cannot get a ticket for " + name + " (" + source + ")");
    TicketInfo info = s.ticket_info(creds);
    krb5_free_cred_contents(ctx, &creds);
    return info;
}

namespace {

// Records the request and stops the exchange before anything is sent.
krb5_error_code KRB5_CALLCONV capture_request(krb5_context, void* data, const krb5_data*, const krb5_data* message,
                                              krb5_data**, krb5_data**) {
    auto* out = static_cast<util::Bytes*>(data);
    out->assign(reinterpret_cast<const std::uint8_t*>(message->data),
                reinterpret_cast<const std::uint8_t*>(message->data) + message->length);
    return KRB5_PLUGIN_OP_NOTSUPP;
}

} // namespace

util::Result<util::Bytes> Session::initial_request() {
    State& s = *m_state;
    krb5_context ctx = s.context.get();
    std::string name = s.settings.principal.empty() ? "probe" : s.settings.principal;
    if (name.find('@') == std::string::npos) name += "@" + s.settings.realm;
    krb5_principal client = nullptr;
    if (const krb5_error_code code = krb5_parse_name(ctx, name.c_str(), &client); code != 0) {
        return s.error(code, "'" + name + "' is not a valid principal name");
    }
    util::Bytes request;
    krb5_set_kdc_send_hook(ctx, capture_request, &request);
    krb5_creds creds{};
    // The password is never used: the hook ends the exchange before the first packet.
    krb5_get_init_creds_password(ctx, &creds, client, "unused", nullptr, nullptr, 0, nullptr, nullptr);
    krb5_set_kdc_send_hook(ctx, nullptr, nullptr);
    krb5_free_principal(ctx, client);
    if (request.empty()) return Error(ErrorCode::internal, "Kerberos: could not build an AS-REQ");
    return request;
}

util::Result<std::string> Session::service_principal(std::string_view host, std::string_view service) {
    State& s = *m_state;
    krb5_principal server = nullptr;
    const std::string host_name(host);
    const std::string service_name(service);
    if (const krb5_error_code code =
            krb5_sname_to_principal(s.context.get(), host_name.c_str(), service_name.c_str(), KRB5_NT_SRV_HST, &server);
        code != 0) {
        return s.error(code, "cannot build the service principal for " + host_name);
    }
    std::string name = s.unparse(server);
    krb5_free_principal(s.context.get(), server);
    // An empty (referral) realm means "the client's realm" here.
    if (!name.empty() && name.back() == '@') name += s.settings.realm;
    return name;
}

util::Result<TicketInfo> Session::service_ticket(std::string_view host, std::string_view service) {
    State& s = *m_state;
    krb5_context ctx = s.context.get();
    SCEP_TRY(const std::string spn, service_principal(host, service));

    krb5_creds match{};
    krb5_creds* granted = nullptr;
    krb5_error_code code = krb5_cc_get_principal(ctx, s.ccache, &match.client);
    if (code != 0) return s.error(code, "no ticket for the service user in " + s.ccache_name);
    code = krb5_sname_to_principal(ctx, std::string(host).c_str(), std::string(service).c_str(), KRB5_NT_SRV_HST,
                                   &match.server);
    if (code == 0) code = krb5_get_credentials(ctx, 0, s.ccache, &match, &granted);
    krb5_free_cred_contents(ctx, &match);
    if (code != 0) {
        Error error = s.error(code, "no service ticket for " + spn);
        if (code == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN) {
            std::string fqdn(host);
            error.message = "Kerberos: SPN " + spn + " is not registered: run setspn -s http/" + fqdn +
                            " <DOMAIN>\\<account the SCEP app pool runs as> (KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN)";
        }
        return error;
    }
    TicketInfo info = s.ticket_info(*granted);
    krb5_free_creds(ctx, granted);
    if (!info.server.empty() && info.server.back() == '@') info.server = spn; // asked with the referral realm
    return info;
}

} // namespace krb
