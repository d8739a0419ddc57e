// Who owns the SPN: the service user asks the KDC for a ticket to HTTP/<fqdn> and accepts it itself
// with its own key, as IIS does with useAppPoolCredentials=True. Structured outcomes, no printing.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "krb/kerberos.hpp"

namespace krb {

// The accepted context's delegated credential: the service user's ticket for the SPN, held the
// way IIS holds a client's ticket after accepting it (the S4U2Proxy evidence). check_delegation
// uses it; nothing else can look inside.
class Evidence;

enum class SpnOwner {
    this_account,  // the SPN's ticket decrypts with the service user's key: the SPN is on this account
    other_account, // it does not: the KDC encrypts it with another account's key
    missing,       // the KDC has no such principal (KDC_ERR_S_PRINCIPAL_UNKNOWN)
    duplicate,     // the KDC reports the SPN on several accounts (KDC_ERR_PRINCIPAL_NOT_UNIQUE)
    not_checked,   // could not be decided (no key to accept with, KDC unreachable, host not allowed)
};
std::string_view to_string(SpnOwner owner); // "this-account", "other-account", ...

struct SpnOwnership {
    SpnOwner owner = SpnOwner::not_checked;
    std::string spn;                          // HTTP/ndes.example.com@EXAMPLE.COM, as the KDC was asked
    std::string account;                      // the service user, svc-scep@EXAMPLE.COM
    std::string summary;                      // one line: what was found (never a secret)
    std::string fix;                          // what the admin does; empty when owner == this_account
    std::string krb5_error;                   // MIT name of the deciding code (KRB5KRB_AP_ERR_NOT_US), or empty
    std::vector<std::string> details;         // the ticket (enctype, kvno, flags), library texts
    TicketInfo ticket;                        // the service ticket, when the KDC issued one
    bool forwardable = false;                 // its FORWARDABLE flag: S4U2Proxy needs it
    bool tgt_forwardable = false;             // the service user's TGT's FORWARDABLE flag
    std::shared_ptr<const Evidence> evidence; // set when owner == this_account

    bool passed() const { return owner == SpnOwner::this_account; }
};

// Asks the KDC (one TGS-REQ for SERVICE/host, with the session's TGT) for the service ticket and
// accepts it with gss_accept_sec_context, the acceptor's key in a MEMORY: keytab made from the
// session's keytab or password (never written to disk). Nothing is sent to the web server. Needs
// acquire_initial_ticket() first, and a keytab or password (not use_ccache). `host` must be in the
// session's allowed domains.
SpnOwnership check_spn_ownership(Session& session, std::string_view host, std::string_view service = "HTTP");

// "ndes.example.com" from "HTTP/ndes.example.com@EXAMPLE.COM"; the name as given otherwise.
std::string spn_host(std::string_view spn);
// "svc-scep" from "svc-scep@EXAMPLE.COM" (what setspn takes after <DOMAIN>\).
std::string account_name(std::string_view principal);

} // namespace krb
