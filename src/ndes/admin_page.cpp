#include "ndes/admin_page.hpp"

#include <algorithm>

#include "ndes/challenge_page.hpp"
#include "ndes/http_outcomes.hpp"
#include "util/text.hpp"
#include "util/url.hpp"

namespace ndes {

using scep::HttpAuth;
using util::Error;
using util::ErrorCode;

namespace {

bool offers(const std::vector<std::string>& schemes, const char* scheme) {
    return std::find(schemes.begin(), schemes.end(), scheme) != schemes.end();
}

// The page and the body it came in hold the challenge: both are wiped once it is read.
util::Result<util::Secret> challenge_from_page(scep::HttpResponse& response) {
    std::string page = decode_page(response.body);
    auto challenge = parse_challenge_page(page);
    util::cleanse(page);
    util::wipe(response.body);
    return challenge;
}

// Kerberos: the tickets first (so a missing SPN is named, not guessed from a bare 401), then the
// page with the Negotiate token in its first request: no probe without credentials, one round
// trip fewer (issue 22; curl --negotiate does the same). A 401 names what the page offers, for the
// error and a password fallback (`offered`); a 200 without a Negotiate answer means the page did
// not look at the token: anonymous access is on.
util::Result<FetchedChallenge> fetch_with_kerberos(scep::HttpTransport& http, const std::string& url,
                                                   const std::string& host, const AdminPageAuth& auth,
                                                   std::optional<std::vector<std::string>>& offered,
                                                   util::EventSink& events) {
    SCEP_TRY(const std::string who, auth.prepare_negotiate(host));
    http.set_credentials({HttpAuth::negotiate, {}, {}});
    auto fetched = http.get(url);
    http.set_credentials({});
    SCEP_TRY(scep::HttpResponse response, std::move(fetched));
    const std::vector<std::string> schemes = scep::offered_auth_schemes(response.www_authenticate);
    if (response.status == 401) {
        offered = schemes;
        if (!offers(schemes, "negotiate")) {
            return Error(ErrorCode::http_auth, "NDES admin page on " + host + " does not offer Negotiate (offers: " +
                                                   util::join(schemes, ", ", "none") + ")")
                .with_fix("in IIS, Windows Authentication > Providers, add Negotiate and put it first");
        }
        Error error(ErrorCode::http_auth,
                    "NDES admin page on " + host + " refused our Kerberos ticket (" + who + ", HTTP 401)");
        error.fix = "the SPN must belong to the account the SCEP app pool runs as (useAppPoolCredentials=True or "
                    "kernel-mode authentication off), and that account needs access; run scepctl check-kerberos";
        error.http_status = 401;
        return error;
    }
    if (response.status != 200) return admin_page_status_error(response, host);
    if (!offers(schemes, "negotiate")) {
        events.warning("the NDES admin page on " + host +
                       " answered without a Negotiate reply to our Kerberos ticket: if Anonymous Authentication is "
                       "on for CertSrv/mscep_admin, disable it");
    }
    SCEP_TRY(util::Secret challenge, challenge_from_page(response));
    return FetchedChallenge{std::move(challenge), "Negotiate (Kerberos)", who};
}

// NTLM or Basic as auth.username, or why neither can be used.
util::Result<HttpAuth> password_scheme(const std::vector<std::string>& schemes, const std::string& url,
                                       const std::string& host, const AdminPageAuth& auth) {
    if (auth.username.empty()) {
        if (offers(schemes, "negotiate")) {
            return Error(ErrorCode::http_auth, "NDES admin page on " + host + " requires authentication (offers: " +
                                                   util::join(schemes, ", ", "none") + ")")
                .with_fix(
                    "enable Kerberos (--kerberos, or prefer_kerberos with a [kerberos] table) or give --username");
        }
        return Error(ErrorCode::http_auth, "NDES admin page on " + host + " requires authentication (offers: " +
                                               util::join(schemes, ", ", "none") + ")")
            .with_fix("give --username and --user-password-file");
    }
    HttpAuth scheme = HttpAuth::none;
    if (offers(schemes, "ntlm")) {
        scheme = HttpAuth::ntlm;
    } else if (offers(schemes, "basic")) {
        scheme = HttpAuth::basic;
    } else {
        return Error(ErrorCode::http_auth, "NDES admin page on " + host + " offers neither NTLM nor Basic (offers: " +
                                               util::join(schemes, ", ", "none") + ")")
            .with_fix("use Kerberos (--kerberos)");
    }
    // Checked before the password leaves: Basic sends it readable, and an NTLMv2 response seen on
    // the wire can be cracked offline or relayed to another server.
    const bool plain_http = util::to_lower_ascii(url).rfind("http://", 0) == 0;
    if (plain_http && !auth.allow_insecure_auth) {
        const std::string risk =
            scheme == HttpAuth::basic
                ? "only Basic authentication over plain http, which would send the password readable"
                : "NTLM over plain http, whose response anyone on the path can crack offline or relay";
        return Error(ErrorCode::usage, "NDES admin page on " + host + " offers " + risk)
            .with_fix("use https, or --allow-insecure-auth if you accept that");
    }
    return scheme;
}

util::Result<FetchedChallenge> fetch_with_password(scep::HttpTransport& http, const std::string& url,
                                                   const std::string& host, HttpAuth scheme,
                                                   const AdminPageAuth& auth) {
    http.set_credentials({scheme, auth.username, auth.password.value_or(util::Secret())});
    auto fetched = http.get(url);
    http.set_credentials({});
    SCEP_TRY(scep::HttpResponse response, std::move(fetched));
    if (response.status == 401) {
        Error error(ErrorCode::http_auth, "NDES admin page on " + host + " refused " + scep::to_string(scheme) +
                                              " authentication as " + auth.username + " (HTTP 401)");
        error.fix = "check the user name and password file";
        error.http_status = 401;
        return error;
    }
    if (response.status != 200) return admin_page_status_error(response, host);
    SCEP_TRY(util::Secret challenge, challenge_from_page(response));
    return FetchedChallenge{std::move(challenge), scep::to_string(scheme), auth.username};
}

} // namespace

Error admin_page_status_error(const scep::HttpResponse& response, const std::string& host) {
    const long status = response.status;
    const HttpOutcome outcome = http_outcome(status, Endpoint::admin_page);
    Error error(ErrorCode::http_status,
                "NDES admin page on " + host + ": HTTP " + std::to_string(status) + ": " + outcome.cause);
    error.fix = outcome.fix;
    error.http_status = status;
    return error;
}

util::Result<FetchedChallenge> fetch_challenge(scep::HttpTransport& http, const std::string& url,
                                               const AdminPageAuth& auth, util::EventSink& events) {
    const std::string host = http.url_host(url);
    if (host.empty()) {
        return Error(ErrorCode::usage, "--challenge-url '" + util::redact_url(url) + "' has no host name");
    }
    const bool kerberos = static_cast<bool>(auth.prepare_negotiate);
    // Tokens go only to hosts inside the allowed domains: checked before any packet is sent.
    if (kerberos && auth.may_send_token && !auth.may_send_token(host)) {
        return Error(ErrorCode::config, "Kerberos: " + host + " is outside the allowed domains (" +
                                            (auth.allowed_domains.empty() ? "none" : auth.allowed_domains) + ")")
            .with_fix("add its domain to [kerberos] allowed_domains (--allowed-domain); nothing was sent");
    }
    std::optional<Error> kerberos_failure;
    std::optional<std::vector<std::string>> offered; // what a 401 named
    if (kerberos) {
        if (util::to_lower_ascii(url).rfind("http://", 0) == 0 && !auth.allow_insecure_auth) {
            events.warning("Negotiate over plain http to " + host +
                           ": the Kerberos token and the one-time challenge cross the network readable; use "
                           "https (--allow-insecure-auth silences this)");
        }
        auto fetched = fetch_with_kerberos(http, url, host, auth, offered, events);
        if (fetched) return fetched;
        kerberos_failure = std::move(fetched).error();
        if (auth.username.empty()) return std::move(*kerberos_failure);
    }
    if (!offered) {
        // Without credentials: shows what the server offers (and whether anonymous access is on).
        SCEP_TRY(scep::HttpResponse probe, http.get(url));
        if (probe.status == 200) {
            events.warning("the NDES admin page on " + host +
                           " answers without authentication: disable Anonymous Authentication on CertSrv/mscep_admin");
            SCEP_TRY(util::Secret challenge, challenge_from_page(probe));
            return FetchedChallenge{std::move(challenge), "none", "anonymous"};
        }
        if (probe.status != 401) return admin_page_status_error(probe, host);
        offered = scep::offered_auth_schemes(probe.www_authenticate);
    }
    const std::vector<std::string>& schemes = *offered;
    auto scheme = password_scheme(schemes, url, host, auth);
    if (!scheme) {
        if (kerberos_failure && scheme.error().code == ErrorCode::http_auth) return std::move(*kerberos_failure);
        return std::move(scheme).error();
    }
    if (kerberos_failure) {
        events.warning(kerberos_failure->text());
        events.note("falling back to " + scep::to_string(*scheme) + " as " + auth.username);
    }
    return fetch_with_password(http, url, host, *scheme, auth);
}

} // namespace ndes
