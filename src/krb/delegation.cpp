#include "krb/delegation.hpp"

#include <optional>

#include "krb/gss_handles.hpp"
#include "krb/session_state.hpp"

namespace krb {

std::string_view to_string(DelegationResult result) {
    switch (result) {
    case DelegationResult::granted: return "granted";
    case DelegationResult::not_configured: return "not-configured";
    case DelegationResult::not_forwardable: return "not-forwardable";
    case DelegationResult::target_unknown: return "target-unknown";
    case DelegationResult::not_checked: return "not-checked";
    }
    return "not-checked";
}

std::string_view to_string(ProtocolTransition transition) {
    switch (transition) {
    case ProtocolTransition::enabled: return "enabled";
    case ProtocolTransition::disabled: return "disabled";
    case ProtocolTransition::unknown: return "unknown";
    }
    return "unknown";
}

namespace {

std::string error_name(long code) {
    if (auto info = describe_error(code)) return std::string(info->name);
    return "krb5 error " + std::to_string(code);
}

// The ADUC steps of the vendor setup, for this account and target.
std::string fix_not_configured(const std::string& account, const std::string& target) {
    const std::string spn = target.substr(0, target.find('@'));
    return "in Active Directory Users and Computers open " + account_name(account) +
           ", Delegation tab: 'Trust this user for delegation to specified services only', 'Use Kerberos only', "
           "Add... the account that holds " +
           spn + " and select that service (PowerShell: Set-ADUser " + account_name(account) +
           " -Add @{'msDS-AllowedToDelegateTo'='" + spn + "'}); then iisreset on the NDES server";
}
std::string fix_not_forwardable(const std::string& account) {
    return "clear 'Account is sensitive and cannot be delegated' on " + account_name(account) +
           " (Active Directory Users and Computers, Account tab, Account options); a ticket cache from kinit must be "
           "forwardable (kinit -f, or forwardable = true in krb5.conf)";
}

// "HTTP/host" or "HTTP/host@REALM" -> the full principal name; the realm is the session's.
std::string full_target(const std::string& target, const std::string& realm) {
    return target.find('@') == std::string::npos ? target + "@" + realm : target;
}

} // namespace

struct DelegationCheck {
    Session::State& s;
    Delegation out;

    Delegation finish(DelegationResult result, std::string summary, std::string fix = {}, long code = 0) {
        out.result = result;
        out.summary = std::move(summary);
        out.fix = std::move(fix);
        if (code != 0) out.krb5_error = error_name(code);
        return std::move(out);
    }

    // S4U2Proxy: the evidence credential initiates to the target; MIT asks the KDC for a ticket to it
    // in the user's name (krb5_get_credentials with KRB5_GC_CONSTRAINED_DELEGATION underneath).
    Delegation proxy(const Evidence& evidence) {
        OM_uint32 minor = 0;
        GssName target;
        gss_buffer_desc text{out.target.size(), out.target.data()};
        if (GSS_ERROR(gss_import_name(&minor, &text, GSS_KRB5_NT_PRINCIPAL_NAME, target.out()))) {
            return finish(DelegationResult::not_checked, "'" + out.target + "' is not a principal name",
                          "name the delegation target as service/host, e.g. HTTP/ndes.example.com");
        }
        gss_OID_desc mech_oid = *gss_mech_krb5;
        GssContext context;
        GssBuffer token;
        const OM_uint32 major = gss_init_sec_context(&minor, evidence.credential.get(), context.ptr(), target.get(),
                                                     &mech_oid, 0, GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
                                                     GSS_C_NO_BUFFER, nullptr, token.ptr(), nullptr, nullptr);
        if (!GSS_ERROR(major)) {
            return finish(DelegationResult::granted, "the KDC issued a ticket for " + out.target + " on behalf of " +
                                                         out.account + " (S4U2Proxy): constrained delegation works");
        }
        const auto code = static_cast<krb5_error_code>(minor);
        out.details.push_back("GSSAPI: " + gss_status_text(major, minor));
        if (code == KRB5KDC_ERR_BADOPTION || code == KRB5KDC_ERR_POLICY) {
            return finish(DelegationResult::not_configured,
                          "constrained delegation to " + out.target.substr(0, out.target.find('@')) +
                              " is not configured on " + out.account + ": the KDC refused S4U2Proxy",
                          fix_not_configured(out.account, out.target), code);
        }
        if (code == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN) {
            return finish(DelegationResult::target_unknown, "the KDC has no principal " + out.target,
                          "check the delegation target's name, or register its SPN (setspn -S)", code);
        }
        const auto info = describe_error(code);
        return finish(DelegationResult::not_checked,
                      "S4U2Proxy for " + out.target + " failed" + (info ? ": " + std::string(info->meaning) : ""),
                      info ? std::string(info->fix) : std::string(), code);
    }

    // S4U2Self for `user` to the service user: a forwardable ticket means protocol transition.
    void probe_transition(const std::string& user);
};

namespace {

// The FORWARDABLE flag of the S4U2Self ticket in an impersonation credential (client `user`).
std::optional<bool> impersonated_forwardable(krb5_context ctx, gss_cred_id_t cred, const std::string& user) {
    krb5_ccache copy = nullptr;
    if (krb5_cc_new_unique(ctx, "MEMORY", nullptr, &copy) != 0) return std::nullopt;
    OM_uint32 minor = 0;
    std::optional<bool> forwardable;
    krb5_cc_cursor cursor = nullptr;
    if (!GSS_ERROR(gss_krb5_copy_ccache(&minor, cred, copy)) && krb5_cc_start_seq_get(ctx, copy, &cursor) == 0) {
        krb5_creds creds{};
        while (!forwardable && krb5_cc_next_cred(ctx, copy, &cursor, &creds) == 0) {
            char* client = nullptr;
            if (!krb5_is_config_principal(ctx, creds.server) && krb5_unparse_name(ctx, creds.client, &client) == 0) {
                if (user == client) forwardable = (creds.ticket_flags & TKT_FLG_FORWARDABLE) != 0;
                krb5_free_unparsed_name(ctx, client);
            }
            krb5_free_cred_contents(ctx, &creds);
        }
        krb5_cc_end_seq_get(ctx, copy, &cursor);
    }
    krb5_cc_destroy(ctx, copy);
    return forwardable;
}

} // namespace

void DelegationCheck::probe_transition(const std::string& user) {
    OM_uint32 minor = 0;
    GssName account;
    GssName subject;
    gss_buffer_desc account_text{out.account.size(), out.account.data()};
    gss_buffer_desc subject_text{user.size(), const_cast<char*>(user.data())};
    const gss_key_value_element_desc element{"ccache", s.ccache_name.c_str()};
    const gss_key_value_set_desc store{1, const_cast<gss_key_value_element_desc*>(&element)};
    GssCred service;
    GssCred impersonated;
    OM_uint32 major = gss_import_name(&minor, &account_text, GSS_KRB5_NT_PRINCIPAL_NAME, account.out());
    if (!GSS_ERROR(major)) major = gss_import_name(&minor, &subject_text, GSS_KRB5_NT_PRINCIPAL_NAME, subject.out());
    if (!GSS_ERROR(major)) {
        major = gss_acquire_cred_from(&minor, account.get(), GSS_C_INDEFINITE, GSS_C_NO_OID_SET, GSS_C_INITIATE, &store,
                                      service.out(), nullptr, nullptr);
    }
    // S4U2Self: a ticket for `user` to the service user itself.
    if (!GSS_ERROR(major)) {
        major =
            gss_acquire_cred_impersonate_name(&minor, service.get(), subject.get(), GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                              GSS_C_INITIATE, impersonated.out(), nullptr, nullptr);
    }
    const std::string account_user = account_name(out.account);
    const auto forwardable =
        GSS_ERROR(major) ? std::nullopt : impersonated_forwardable(s.context.get(), impersonated.get(), user);
    if (!forwardable) {
        out.protocol_transition = ProtocolTransition::unknown;
        out.information = "protocol transition unknown: S4U2Self for " + user + " gave no ticket to read";
        if (GSS_ERROR(major)) out.details.push_back("S4U2Self: " + gss_status_text(major, minor));
    } else if (*forwardable) {
        out.protocol_transition = ProtocolTransition::enabled;
        out.information = "protocol transition is also enabled on " + account_user +
                          " ('Use any authentication protocol': S4U2Self gave a forwardable ticket); the NDES "
                          "setup asks for 'Use Kerberos only'";
    } else {
        out.protocol_transition = ProtocolTransition::disabled;
        out.information = "protocol transition is off on " + account_user +
                          " ('Use Kerberos only', as the NDES setup asks): S4U2Self gave no forwardable ticket";
    }
}

Delegation check_delegation(Session& session, const SpnOwnership& spn, const DelegationOptions& options) {
    DelegationCheck check{session.state(), {}};
    Delegation& out = check.out;
    out.account = spn.account;
    out.target = full_target(options.target.empty() ? spn.spn : options.target, session.settings().realm);
    if (!spn.passed() || !spn.evidence) {
        return check.finish(DelegationResult::not_checked,
                            "needs a ticket the service account accepted (the SPN-ownership check did not pass)");
    }
    if (!host_in_domains(spn_host(out.target), session.settings().allowed_domains)) {
        return check.finish(DelegationResult::not_checked,
                            spn_host(out.target) + " is outside the allowed domains: nothing is sent for it",
                            "add its domain to the allowed domains, or name another delegation target");
    }
    if (!spn.forwardable) {
        const std::string cause =
            spn.tgt_forwardable ? "the account's tickets are marked not delegable"
            : session.settings().use_ccache
                ? "the TGT in the credential cache is not forwardable"
                : "the KDC issued no forwardable TGT although one was asked for (the account is marked sensitive)";
        return check.finish(DelegationResult::not_forwardable,
                            "the service user's ticket for " + spn.spn +
                                " is not forwardable, so S4U2Proxy cannot use it: " + cause,
                            fix_not_forwardable(out.account));
    }
    Delegation result = check.proxy(*spn.evidence);
    if (result.passed()) {
        check.out = std::move(result);
        check.probe_transition(options.s4u_user.empty() ? spn.account : options.s4u_user);
        return std::move(check.out);
    }
    return result;
}

} // namespace krb
