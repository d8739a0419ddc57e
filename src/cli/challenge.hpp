// The one-time challenge from the NDES admin page (mscep_admin), fetched with Kerberos
// (Negotiate) as the service user, or NTLM/Basic with a username and password.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/output.hpp"
#include "krb/kerberos.hpp"
#include "util/result.hpp"
#include "transport/curl_transport.hpp"

namespace cli {

struct Context;

// The command-line side; each maps to a config key (see scepctl.toml(5)).
struct ChallengeOptions {
    std::string challenge_url;                // [ca] challenge_url
    bool kerberos = false;                    // --kerberos: [ca] prefer_kerberos = true
    bool no_kerberos = false;                 // --no-kerberos: [ca] prefer_kerberos = false
    std::string realm;                        // [kerberos] realm
    std::vector<std::string> kdcs;            // [kerberos] kdc
    std::string service_user;                 // [kerberos] service_user
    std::string keytab;                       // [kerberos] keytab
    std::string password_file;                // [kerberos] password_file
    std::vector<std::string> allowed_domains; // [kerberos] allowed_domains
    bool use_ccache = false;
    std::string username;           // [ca] username (NTLM/Basic)
    std::string user_password_file; // [ca] password_file
    bool allow_insecure_auth = false;
};

void add_challenge_options(CLI::App* sub, ChallengeOptions& options);

// Everything needed to fetch, merged from flags and the config file, secrets read from their files.
struct ChallengeSource {
    std::string url;
    bool prefer_kerberos = false;
    std::optional<krb::KerberosSettings> kerberos;
    std::string username;
    std::optional<util::Secret> password;
    bool allow_insecure_auth = false;
};

// The Kerberos side alone (flags over the [kerberos] table), the password read from its file.
util::Result<krb::KerberosSettings> resolve_kerberos_settings(const Context& context, const ChallengeOptions& options);

// nullopt when no challenge URL is configured at all.
util::Result<std::optional<ChallengeSource>> resolve_challenge_source(const Context& context,
                                                                      const ChallengeOptions& options);

struct FetchedChallenge {
    util::Secret challenge; // never printed outside getchallenge
    std::string auth;       // "Negotiate (Kerberos)", "NTLM", "Basic", "none"
    std::string detail;     // e.g. the principal and SPN
};

util::Result<FetchedChallenge> fetch_challenge(const ChallengeSource& source,
                                               const transport::TransportOptions& transport_options, const Output& out);

} // namespace cli
