// Fetching the one-time challenge from the NDES admin page (/certsrv/mscep_admin/): a probe without
// credentials shows what IIS offers, then Negotiate (Kerberos) when preferred, else NTLM or Basic
// as a user with a password. Everything goes through the HttpTransport it is given.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "scep/transport.hpp"
#include "util/events.hpp"
#include "util/result.hpp"
#include "util/secret.hpp"

namespace ndes {

struct AdminPageAuth {
    // Set when Kerberos is preferred: called once the page offers Negotiate, it gets the service
    // user's tickets for HTTP/host (into the credential cache the transport's Negotiate uses) and
    // says who authenticates ("svc@REALM, SPN HTTP/host@REALM"); an error ends the Kerberos attempt.
    std::function<util::Result<std::string>(const std::string& host)> prepare_negotiate;
    // Whether a Kerberos token may be sent to `host` (the allowed domains); asked before anything
    // is sent when Kerberos is preferred.
    std::function<bool(const std::string& host)> may_send_token;
    std::string allowed_domains; // for the message when it may not, e.g. "example.com, corp.example.com"
    std::string username;        // NTLM or Basic, as a fallback or instead of Kerberos
    std::optional<util::Secret> password;
    // NTLM or Basic over plain http, and Negotiate over it without a warning.
    bool allow_insecure_auth = false;
};

struct FetchedChallenge {
    util::Secret challenge; // never printed outside getchallenge
    std::string auth;       // "Negotiate (Kerberos)", "NTLM", "Basic", "none"
    std::string detail;     // e.g. the principal and SPN
};

util::Result<FetchedChallenge> fetch_challenge(scep::HttpTransport& http, const std::string& url,
                                               const AdminPageAuth& auth, util::EventSink& events);

// What an HTTP status on the admin page usually means on IIS/NDES (403, 404, 500, 503, ...).
util::Error admin_page_status_error(const scep::HttpResponse& response, const std::string& host);

} // namespace ndes
