#include "krb/spn_owner.hpp"

#include <unistd.h>

#include <atomic>

#include "krb/gss_handles.hpp"
#include "krb/session_state.hpp"

namespace krb {

std::string_view to_string(SpnOwner owner) {
    switch (owner) {
    case SpnOwner::this_account: return "this-account";
    case SpnOwner::other_account: return "other-account";
    case SpnOwner::missing: return "missing";
    case SpnOwner::duplicate: return "duplicate";
    case SpnOwner::not_checked: return "not-checked";
    }
    return "not-checked";
}

std::string spn_host(std::string_view spn) {
    const auto slash = spn.find('/');
    if (slash == std::string_view::npos) return std::string(spn);
    const auto at = spn.find('@', slash);
    return std::string(spn.substr(slash + 1, at == std::string_view::npos ? std::string_view::npos : at - slash - 1));
}

std::string account_name(std::string_view principal) {
    return std::string(principal.substr(0, principal.find('@')));
}

std::string gss_status_text(OM_uint32 major, OM_uint32 minor) {
    std::string text;
    const auto append = [&text](OM_uint32 status, int type) {
        OM_uint32 context = 0;
        do {
            OM_uint32 ignored = 0;
            GssBuffer buffer;
            if (gss_display_status(&ignored, status, type, GSS_C_NO_OID, &context, buffer.ptr()) != GSS_S_COMPLETE)
                break;
            if (!text.empty()) text += "; ";
            text.append(static_cast<const char*>(buffer.ptr()->value), buffer.ptr()->length);
        } while (context != 0);
    };
    append(major, GSS_C_GSS_CODE);
    if (minor != 0) append(minor, GSS_C_MECH_CODE);
    return text;
}

namespace {

std::string error_name(long code) {
    if (auto info = describe_error(code)) return std::string(info->name);
    return "krb5 error " + std::to_string(code);
}

std::string library_text(krb5_context context, krb5_error_code code) {
    const char* text = krb5_get_error_message(context, code);
    std::string result = text != nullptr ? text : "unknown error";
    krb5_free_error_message(context, text);
    return result;
}

// The fix texts: the vendor's setspn steps, with the names filled in (`host` as setspn takes it).
std::string fix_other_account(const std::string& host, const std::string& account) {
    return "setspn -Q http/" + host + " shows which account holds the SPN; remove it there with setspn -D http/" +
           host + " <DOMAIN>\\<that account> and register it on the service account with setspn -S http/" + host +
           " <DOMAIN>\\" + account_name(account) +
           " (the SCEP application pool must run as that account with useAppPoolCredentials=True)";
}
std::string fix_missing(const std::string& host, const std::string& account) {
    return "register the SPN on the service account: setspn -S http/" + host + " <DOMAIN>\\" + account_name(account);
}
std::string fix_duplicate(const std::string& host, const std::string& account) {
    return "setspn -Q http/" + host + " (forest-wide: setspn -X) lists every account that holds it; remove it from " +
           "all but " + account_name(account) + " with setspn -D http/" + host + " <DOMAIN>\\<other account>";
}

// A unique name per acceptor: MEMORY keytabs live in this process only, by name.
std::string memory_keytab_name() {
    static std::atomic<unsigned> counter{0};
    return "MEMORY:scepctl-spn-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

} // namespace

// The checking itself, in steps that each settle the outcome or hand on.
struct SpnCheck {
    Session::State& s;
    SpnOwnership out;
    krb5_principal client = nullptr;
    krb5_creds* creds = nullptr; // the service ticket for the SPN
    std::string keytab_name;
    krb5_keytab keytab = nullptr; // MEMORY: holds the account's key while the check runs
    krb5_keytab_entry held{};     // what it holds (principal, kvno, enctype), to remove it again

    explicit SpnCheck(Session::State& state) : s(state) {}
    ~SpnCheck() {
        if (keytab != nullptr) {
            // A MEMORY keytab lives as long as the process: take the key out (MIT wipes it), then close.
            krb5_kt_remove_entry(s.context.get(), keytab, &held);
            krb5_kt_close(s.context.get(), keytab);
        }
        if (creds != nullptr) krb5_free_creds(s.context.get(), creds);
        if (client != nullptr) krb5_free_principal(s.context.get(), client);
    }
    SpnCheck(const SpnCheck&) = delete;
    SpnCheck& operator=(const SpnCheck&) = delete;

    SpnOwnership finish(SpnOwner owner, std::string summary, std::string fix = {}) {
        out.owner = owner;
        out.summary = std::move(summary);
        out.fix = std::move(fix);
        return std::move(out);
    }
    SpnOwnership not_checked(std::string summary, std::string fix, long code = 0) {
        if (code != 0) {
            out.krb5_error = error_name(code);
            out.details.push_back("krb5: " + library_text(s.context.get(), static_cast<krb5_error_code>(code)));
        }
        return finish(SpnOwner::not_checked, std::move(summary), std::move(fix));
    }

    bool tgt_flags(krb5_flags& flags) {
        krb5_context ctx = s.context.get();
        krb5_creds match{};
        krb5_creds found{};
        const krb5_data* realm = krb5_princ_realm(ctx, client);
        if (krb5_build_principal_ext(ctx, &match.server, realm->length, realm->data, KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME,
                                     realm->length, realm->data, 0) != 0) {
            return false;
        }
        match.client = client;
        const bool ok = krb5_cc_retrieve_cred(ctx, s.ccache, 0, &match, &found) == 0;
        if (ok) {
            flags = found.ticket_flags;
            krb5_free_cred_contents(ctx, &found);
        }
        krb5_free_principal(ctx, match.server);
        return ok;
    }

    // The KDC's answer to a TGS-REQ for SERVICE/host: a ticket, or the deciding error.
    std::optional<SpnOwnership> request_ticket(const std::string& host, const std::string& service) {
        krb5_context ctx = s.context.get();
        krb5_creds match{};
        match.client = client;
        krb5_error_code code =
            krb5_sname_to_principal(ctx, host.c_str(), service.c_str(), KRB5_NT_SRV_HST, &match.server);
        if (code == 0) code = krb5_get_credentials(ctx, 0, s.ccache, &match, &creds);
        if (match.server != nullptr) krb5_free_principal(ctx, match.server);
        const std::string fqdn = spn_host(out.spn);
        if (code == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN) {
            out.krb5_error = error_name(code);
            return finish(SpnOwner::missing,
                          "the KDC has no principal " + out.spn + ": the SPN is not registered on any account",
                          fix_missing(fqdn, out.account));
        }
        if (code == KRB5KDC_ERR_PRINCIPAL_NOT_UNIQUE) {
            out.krb5_error = error_name(code);
            return finish(SpnOwner::duplicate, "the KDC reports " + out.spn + " on more than one account",
                          fix_duplicate(fqdn, out.account));
        }
        if (code != 0) {
            const auto info = describe_error(code);
            return not_checked("no service ticket for " + out.spn + ": " +
                                   (info ? std::string(info->meaning) : library_text(ctx, code)),
                               info ? std::string(info->fix) : std::string(), code);
        }
        out.ticket = s.ticket_info(*creds);
        out.forwardable = (creds->ticket_flags & TKT_FLG_FORWARDABLE) != 0;
        krb5_flags flags = 0;
        out.tgt_forwardable = tgt_flags(flags) && (flags & TKT_FLG_FORWARDABLE) != 0;
        out.details.push_back("service ticket: " + out.ticket.enctype + ", kvno " + std::to_string(out.ticket.kvno) +
                              (out.forwardable ? ", forwardable" : ", not forwardable"));
        return std::nullopt;
    }

    krb5_enctype ticket_enctype() const {
        krb5_ticket* ticket = nullptr;
        krb5_enctype enctype = ENCTYPE_NULL;
        if (krb5_decode_ticket(&creds->ticket, &ticket) == 0) {
            enctype = ticket->enc_part.enctype;
            krb5_free_ticket(s.context.get(), ticket);
        }
        return enctype;
    }

    // The service user's current key for the ticket's enctype, from its keytab or derived from its
    // password with the salt the KDC names (etype-info). Stored with the ticket's kvno: like Windows,
    // the acceptor does not care which key version the KDC numbered it.
    krb5_error_code account_key(krb5_enctype enctype, krb5_keyblock& key, std::string& source) {
        krb5_context ctx = s.context.get();
        const KerberosSettings& settings = s.settings;
        if (!settings.keytab.empty()) {
            source = "keytab";
            const std::string name =
                settings.keytab.find(':') == std::string::npos ? "FILE:" + settings.keytab : settings.keytab;
            krb5_keytab file = nullptr;
            krb5_error_code code = krb5_kt_resolve(ctx, name.c_str(), &file);
            if (code != 0) return code;
            krb5_keytab_entry entry{};
            code = krb5_kt_get_entry(ctx, file, client, 0, enctype, &entry);
            krb5_kt_close(ctx, file);
            if (code != 0) return code;
            code = krb5_copy_keyblock_contents(ctx, &entry.key, &key);
            krb5_free_keytab_entry_contents(ctx, &entry);
            return code;
        }
        source = "password";
        krb5_enctype preferred = ENCTYPE_NULL;
        krb5_data salt{};
        krb5_data params{};
        krb5_error_code code = krb5_get_etype_info(ctx, client, nullptr, &preferred, &salt, &params);
        if (code != 0) return code;
        krb5_data password{KV5M_DATA, static_cast<unsigned int>(settings.password->size()),
                           const_cast<char*>(settings.password->c_str())};
        code = krb5_c_string_to_key_with_params(ctx, enctype, &password, &salt,
                                                preferred == enctype && params.length > 0 ? &params : nullptr, &key);
        krb5_free_data_contents(ctx, &salt);
        krb5_free_data_contents(ctx, &params);
        return code;
    }

    std::optional<SpnOwnership> make_keytab() {
        krb5_context ctx = s.context.get();
        krb5_ticket* ticket = nullptr;
        krb5_kvno kvno = 0;
        if (krb5_decode_ticket(&creds->ticket, &ticket) == 0) {
            kvno = ticket->enc_part.kvno;
            krb5_free_ticket(ctx, ticket);
        }
        krb5_keytab_entry entry{};
        std::string source;
        krb5_error_code code = account_key(ticket_enctype(), entry.key, source);
        if (code == KRB5_KT_NOTFOUND || code == KRB5_KT_KVNONOTFOUND) {
            return not_checked("the keytab has no " + out.ticket.enctype + " key for " + out.account +
                                   ", the enctype of the SPN's ticket",
                               "export the keytab again with every enctype the account has (ktpass -crypto ALL)", code);
        }
        if (code != 0) {
            return not_checked("cannot make the service user's key from its " + source, {}, code);
        }
        keytab_name = memory_keytab_name();
        code = krb5_kt_resolve(ctx, keytab_name.c_str(), &keytab);
        entry.principal = client;
        entry.vno = kvno;
        if (code == 0) code = krb5_kt_add_entry(ctx, keytab, &entry); // copies it
        held.principal = client;
        held.vno = kvno;
        held.key.enctype = entry.key.enctype;
        krb5_free_keyblock_contents(ctx, &entry.key); // MIT zeroes it
        if (code != 0) return not_checked("cannot hold the service user's key in memory", {}, code);
        return std::nullopt;
    }

    SpnOwnership accept(const std::string& host, const std::string& service);
};

SpnOwnership SpnCheck::accept(const std::string& host, const std::string& service) {
    OM_uint32 minor = 0;
    GssName account;
    gss_buffer_desc account_text{out.account.size(), out.account.data()};
    if (GSS_ERROR(gss_import_name(&minor, &account_text, GSS_KRB5_NT_PRINCIPAL_NAME, account.out()))) {
        return not_checked("GSSAPI cannot import the name " + out.account, {});
    }
    // The acceptor as IIS: the account's key (MEMORY keytab), its TGT (for S4U2Proxy later), and no
    // replay cache on disk.
    const gss_key_value_element_desc elements[] = {
        {"ccache", s.ccache_name.c_str()}, {"keytab", keytab_name.c_str()}, {"rcache", "none:"}};
    const gss_key_value_set_desc store{3, const_cast<gss_key_value_element_desc*>(elements)};
    gss_OID_desc mech_oid = *gss_mech_krb5;
    gss_OID_set_desc mechs{1, &mech_oid};
    GssCred cred;
    OM_uint32 major = gss_acquire_cred_from(&minor, account.get(), GSS_C_INDEFINITE, &mechs, GSS_C_BOTH, &store,
                                            cred.out(), nullptr, nullptr);
    if (GSS_ERROR(major)) {
        out.details.push_back("GSSAPI: " + gss_status_text(major, minor));
        return not_checked("cannot set up an acceptor with the service user's key", {});
    }
    GssName target;
    const std::string target_text = service + "@" + host;
    gss_buffer_desc target_buffer{target_text.size(), const_cast<char*>(target_text.data())};
    if (GSS_ERROR(gss_import_name(&minor, &target_buffer, GSS_C_NT_HOSTBASED_SERVICE, target.out()))) {
        return not_checked("GSSAPI cannot import the name " + target_text, {});
    }
    GssContext initiator;
    GssBuffer token;
    major = gss_init_sec_context(&minor, cred.get(), initiator.ptr(), target.get(), &mech_oid, 0, GSS_C_INDEFINITE,
                                 GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, nullptr, token.ptr(), nullptr, nullptr);
    if (GSS_ERROR(major)) {
        out.details.push_back("GSSAPI: " + gss_status_text(major, minor));
        return not_checked("cannot make an AP-REQ for " + out.spn, {}, static_cast<krb5_error_code>(minor));
    }
    GssContext acceptor;
    GssBuffer reply;
    auto evidence = std::make_shared<Evidence>();
    major = gss_accept_sec_context(&minor, acceptor.ptr(), cred.get(), token.ptr(), GSS_C_NO_CHANNEL_BINDINGS, nullptr,
                                   nullptr, reply.ptr(), nullptr, nullptr, evidence->credential.out());
    if (!GSS_ERROR(major)) {
        out.evidence = evidence;
        return finish(SpnOwner::this_account, "a ticket for " + out.spn + " decrypts with the key of " + out.account +
                                                  ": the SPN is registered on the service account");
    }
    const auto code = static_cast<krb5_error_code>(minor);
    out.krb5_error = error_name(code);
    out.details.push_back("GSSAPI: " + gss_status_text(major, minor));
    if (code == KRB5KRB_AP_ERR_NOT_US || code == KRB5KRB_AP_ERR_BAD_INTEGRITY || code == KRB5KRB_AP_ERR_MODIFIED ||
        code == KRB5KRB_AP_ERR_NOKEY || code == KRB5KRB_AP_WRONG_PRINC) {
        return finish(SpnOwner::other_account,
                      "tickets for " + out.spn + " are encrypted with another account's key, not with " + out.account +
                          "'s: a web server running as the service account cannot decrypt them",
                      fix_other_account(spn_host(out.spn), out.account));
    }
    return not_checked("accepting the ticket for " + out.spn + " failed", {}, code);
}

SpnOwnership check_spn_ownership(Session& session, std::string_view host, std::string_view service) {
    Session::State& s = session.state();
    SpnCheck check(s);
    const std::string host_name(host);
    const std::string service_name(service);
    if (auto spn = session.service_principal(host, service))
        check.out.spn = *spn;
    else
        return check.not_checked(spn.error().message, {});
    if (!host_in_domains(host, s.settings.allowed_domains)) {
        return check.not_checked(host_name + " is outside the allowed domains: nothing is sent for it",
                                 "add its domain to the allowed domains if this is the NDES host");
    }
    const krb5_error_code code = krb5_cc_get_principal(s.context.get(), s.ccache, &check.client);
    if (code != 0) {
        return check.not_checked("no TGT for the service user", "get one first (the tgt check)", code);
    }
    check.out.account = s.unparse(check.client);
    if (s.settings.use_ccache || (s.settings.keytab.empty() && !s.settings.password)) {
        return check.not_checked("no key to accept the ticket with: the check needs the service user's keytab or "
                                 "password, not a credential cache",
                                 "give the service user's keytab or password file");
    }
    if (auto decided = check.request_ticket(host_name, service_name)) return std::move(*decided);
    if (auto failed = check.make_keytab()) return std::move(*failed);
    return check.accept(host_name, service_name);
}

} // namespace krb
