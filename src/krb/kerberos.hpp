// Kerberos for HTTP Negotiate: the service user's tickets in a private credential cache, the
// service-ticket probe that names the SPN, and MIT error codes turned into admin actions.
// Independent of the transport: check-kerberos uses it without touching the CA.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.hpp"
#include "util/result.hpp"
#include "util/secret.hpp"

namespace krb {

struct KerberosSettings {
    std::string realm;                        // e.g. EXAMPLE.COM
    std::vector<std::string> kdcs;            // "host" or "host:port"; empty = system krb5.conf / DNS
    std::string principal;                    // the service user, user@REALM
    std::string keytab;                       // either a keytab ...
    std::optional<util::Secret> password;     // ... or a password (never logged)
    std::vector<std::string> allowed_domains; // also mapped to the realm in the private krb5.conf
    bool use_ccache = false;                  // --use-ccache: the user's default cache, no acquisition
};

// True when `host` equals one of `domains` or ends with "." + one of them; case-insensitive, on a
// label boundary: "ndes.example.com" is in "example.com", "badexample.com" is not.
bool host_in_domains(std::string_view host, const std::vector<std::string>& domains);

// What an MIT error code means for the person fixing the setup.
struct ErrorInfo {
    std::string_view name;    // KRB5KDC_ERR_PREAUTH_FAILED
    std::string_view meaning; // "wrong password or stale keytab"
    std::string_view fix;     // the admin action
};
std::optional<ErrorInfo> describe_error(long code);
// The code whose MIT message text appears in `text`: for GSSAPI minor statuses, which the
// mechanism glue renumbers (SPNEGO over krb5) but displays with the original text.
std::optional<long> error_code_from_text(std::string_view text);

// The krb5 configuration files in effect: KRB5_CONFIG's list, else /etc/krb5.conf.
std::string config_files();

struct TicketInfo {
    std::string client;
    std::string server; // the principal actually granted, e.g. HTTP/ndes.example.com@EXAMPLE.COM
    std::time_t auth_time = 0;
    std::time_t end_time = 0;
    std::string enctype;       // e.g. aes256-cts-hmac-sha1-96
    int kvno = 0;              // key version the ticket is encrypted with (0 for a TGT from a cache)
    bool weak_enctype = false; // RC4 or DES
};

// A krb5 context with, when KDCs are configured, a private krb5.conf placed before the system one
// (via KRB5_CONFIG, which the GSSAPI inside libcurl also reads), and a private MEMORY credential
// cache made the GSSAPI default for this thread. The user's own cache is never read or written
// unless use_ccache is set. Everything is undone by the destructor.
struct ClockSettings {
    bool kdc_timesync = true;        // krb5 corrects this host's time by the offset the KDC showed
    std::int64_t allowed_skew = 300; // seconds (clockskew; AD's "maximum tolerance" is 5 minutes too)
};

class Session {
  public:
    static util::Result<std::unique_ptr<Session>> open(const KerberosSettings& settings);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // A TGT for the service user from its keytab or password, into the private cache.
    // With use_ccache: reports the TGT found in the default cache instead.
    util::Result<TicketInfo> acquire_initial_ticket();

    // The service ticket for SERVICE/host, the way GSSAPI names it (hostbased, canonicalised per
    // krb5.conf). The error says which SPN is missing and how to register it.
    util::Result<TicketInfo> service_ticket(std::string_view host, std::string_view service = "HTTP");

    // The principal name krb5 builds for SERVICE/host (what setspn must register).
    util::Result<std::string> service_principal(std::string_view host, std::string_view service = "HTTP");

    // An AS-REQ for the service user as krb5 would send it, built but not sent: check-kerberos
    // sends it over UDP itself to prove UDP port 88 (krb5 silently falls back to TCP).
    util::Result<util::Bytes> initial_request();

    // The KDCs krb5 will use for the realm (configured or from krb5.conf); empty = DNS SRV lookup.
    std::vector<std::string> kdcs_for_realm() const;
    // [libdefaults] kdc_timesync and clockskew as krb5 reads them (this session's config first).
    ClockSettings clock_settings() const;
    // The MIT name of the last failure's code (KRB5KDC_ERR_PREAUTH_FAILED), empty if none/unknown.
    const std::string& last_error_name() const;
    std::optional<long> last_error() const;

    const std::string& ccache_name() const;
    const std::string& private_config_path() const; // empty when none was written
    const KerberosSettings& settings() const;

    // What the session holds (krb5 context, cache): defined in src/krb/session_state.hpp, for the
    // other files of src/krb (the SPN-ownership and delegation checks).
    struct State;
    State& state() { return *m_state; }

  private:
    explicit Session(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

} // namespace krb
