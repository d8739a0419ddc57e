// Inside src/krb only: what a krb::Session holds, for the krb files that work with its context
// and credential cache (kerberos.cpp, spn_owner.cpp, delegation.cpp). Higher layers see Session.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>

#include "krb/kerberos.hpp"
#include "util/result.hpp"

namespace krb {

struct ContextDeleter {
    void operator()(krb5_context c) const noexcept { krb5_free_context(c); }
};
using ContextPtr = std::unique_ptr<std::remove_pointer_t<krb5_context>, ContextDeleter>;

void restore_env(const char* name, const std::optional<std::string>& value);

struct Session::State {
    KerberosSettings settings;
    ContextPtr context;
    krb5_ccache ccache = nullptr;
    bool own_ccache = false;
    std::string ccache_name;
    std::string config_path; // private krb5.conf, removed at the end
    std::optional<std::string> old_krb5_config;
    bool gss_ccache_set = false;
    mutable std::string last_error_name;
    mutable std::optional<long> last_error;

    ~State() {
        if (gss_ccache_set) {
            OM_uint32 minor = 0;
            gss_krb5_ccache_name(&minor, nullptr, nullptr);
        }
        if (ccache != nullptr) {
            if (own_ccache)
                krb5_cc_destroy(context.get(), ccache);
            else
                krb5_cc_close(context.get(), ccache);
        }
        context.reset();
        if (!config_path.empty()) {
            ::unlink(config_path.c_str());
            restore_env("KRB5_CONFIG", old_krb5_config);
        }
    }

    // One line naming the operation, the MIT meaning and the fix; the library's text as detail.
    util::Error error(krb5_error_code code, const std::string& what) const {
        const char* text = krb5_get_error_message(context.get(), code);
        std::string library_text = text != nullptr ? text : "unknown error";
        krb5_free_error_message(context.get(), text);
        std::string message = "Kerberos: " + what + ": ";
        util::ErrorCode category = util::ErrorCode::http_auth;
        last_error_name.clear();
        last_error = code;
        std::string fix;
        if (auto info = describe_error(code)) {
            last_error_name = info->name;
            message += std::string(info->meaning) + " (" + std::string(info->name) + "; " + library_text + ")";
            fix = info->fix;
        } else {
            message += library_text + " (krb5 error " + std::to_string(code) + ")";
        }
        if (code == KRB5_KDC_UNREACH || code == KRB5_REALM_CANT_RESOLVE) category = util::ErrorCode::network;
        return util::Error(category, std::move(message)).with_fix(std::move(fix)).with_detail("krb5: " + library_text);
    }

    std::string unparse(krb5_const_principal principal) const {
        char* name = nullptr;
        if (krb5_unparse_name(context.get(), principal, &name) != 0 || name == nullptr) return "?";
        std::string result = name;
        krb5_free_unparsed_name(context.get(), name);
        return result;
    }

    TicketInfo ticket_info(const krb5_creds& creds) const {
        TicketInfo info;
        info.client = unparse(creds.client);
        info.server = unparse(creds.server);
        info.auth_time = creds.times.authtime;
        info.end_time = creds.times.endtime;
        krb5_enctype enctype = creds.keyblock.enctype;
        // The ticket's own enctype (what the server decrypts) is inside the ticket.
        krb5_ticket* ticket = nullptr;
        if (krb5_decode_ticket(&creds.ticket, &ticket) == 0 && ticket != nullptr) {
            enctype = ticket->enc_part.enctype;
            info.kvno = static_cast<int>(ticket->enc_part.kvno);
            krb5_free_ticket(context.get(), ticket);
        }
        std::array<char, 64> name{};
        if (krb5_enctype_to_name(enctype, FALSE, name.data(), name.size()) == 0)
            info.enctype = name.data();
        else
            info.enctype = "enctype " + std::to_string(enctype);
        info.weak_enctype = enctype == ENCTYPE_ARCFOUR_HMAC || enctype == ENCTYPE_ARCFOUR_HMAC_EXP ||
                            enctype == ENCTYPE_DES_CBC_CRC || enctype == ENCTYPE_DES_CBC_MD5 ||
                            enctype == ENCTYPE_DES3_CBC_SHA1;
        return info;
    }
};

} // namespace krb
