// Is constrained delegation really set: with the evidence the SPN-ownership check accepted, ask the
// KDC for a ticket to the delegation target on the user's behalf (S4U2Proxy), as NDES does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "krb/kerberos.hpp"
#include "krb/spn_owner.hpp"

namespace krb {

enum class DelegationResult {
    granted,         // the KDC issued the S4U2Proxy ticket
    not_configured,  // the KDC refused it (KDC_ERR_BADOPTION / KDC_ERR_POLICY): target not allowed
    not_forwardable, // the evidence ticket is not forwardable: S4U2Proxy cannot use it
    target_unknown,  // the KDC has no such target principal
    not_checked,     // could not be decided (no evidence, KDC unreachable, target host not allowed)
};
std::string_view to_string(DelegationResult result); // "granted", "not-configured", ...

// "Use any authentication protocol": S4U2Self gives the service a forwardable ticket.
enum class ProtocolTransition { enabled, disabled, unknown };
std::string_view to_string(ProtocolTransition transition); // "enabled", "disabled", "unknown"

struct DelegationOptions {
    // The SPN to delegate to: "HTTP/host" or "HTTP/host@REALM". Empty: the SPN that was checked.
    std::string target;
    // The principal S4U2Self impersonates to probe protocol transition. Empty: the service user
    // itself (AD answers that; MIT's KDC does not, and the probe then says "unknown").
    std::string s4u_user;
};

struct Delegation {
    DelegationResult result = DelegationResult::not_checked;
    std::string target;  // HTTP/ndes.example.com@EXAMPLE.COM
    std::string account; // the service user, which delegates
    std::string summary; // one line
    std::string fix;     // empty when granted
    std::string krb5_error;
    std::vector<std::string> details;
    ProtocolTransition protocol_transition = ProtocolTransition::unknown; // probed only when granted
    std::string information; // the protocol-transition line (information, never a failure)

    bool passed() const { return result == DelegationResult::granted; }
};

// S4U2Proxy through gss_init_sec_context with the evidence credential (one TGS-REQ to the KDC,
// nothing to the target), then, when granted, one S4U2Self TGS-REQ for the protocol-transition
// line. The target's host must be in the session's allowed domains.
Delegation check_delegation(Session& session, const SpnOwnership& spn, const DelegationOptions& options = {});

} // namespace krb
