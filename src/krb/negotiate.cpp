#include "krb/negotiate.hpp"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>

#include "krb/kerberos.hpp"

namespace krb {

using util::Error;
using util::ErrorCode;

namespace {

// RFC 4178 SPNEGO, 1.3.6.1.5.5.2: what browsers and IIS speak in "Negotiate".
gss_OID_desc k_spnego_oid{6, const_cast<char*>("\x2b\x06\x01\x05\x05\x02")};

std::string status_text(OM_uint32 status, int type, gss_OID mech) {
    std::string text;
    OM_uint32 context = 0;
    do {
        OM_uint32 minor = 0;
        gss_buffer_desc buffer{0, nullptr};
        if (gss_display_status(&minor, status, type, mech, &context, &buffer) != GSS_S_COMPLETE) break;
        if (!text.empty()) text += "; ";
        text.append(static_cast<const char*>(buffer.value), buffer.length);
        gss_release_buffer(&minor, &buffer);
    } while (context != 0);
    return text;
}

} // namespace

struct NegotiateContext::State {
    gss_name_t target = GSS_C_NO_NAME;
    gss_ctx_id_t context = GSS_C_NO_CONTEXT;
    util::Bytes token;
    bool complete = false;
    std::optional<long> krb5_error;
    std::string spn;

    ~State() {
        OM_uint32 minor = 0;
        if (context != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context, GSS_C_NO_BUFFER);
        if (target != GSS_C_NO_NAME) gss_release_name(&minor, &target);
    }

    // One gss_init_sec_context round; `input` empty for the first.
    util::Result<void> step(util::ByteView input) {
        OM_uint32 minor = 0;
        gss_buffer_desc in{input.size(), const_cast<std::uint8_t*>(input.data())};
        gss_buffer_desc out{0, nullptr};
        OM_uint32 flags = 0;
        const OM_uint32 major =
            gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &context, target, &k_spnego_oid,
                                 GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG, GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
                                 input.empty() ? GSS_C_NO_BUFFER : &in, nullptr, &out, &flags, nullptr);
        token.assign(static_cast<const std::uint8_t*>(out.value),
                     static_cast<const std::uint8_t*>(out.value) + out.length);
        OM_uint32 ignored = 0;
        gss_release_buffer(&ignored, &out);
        if (GSS_ERROR(major)) {
            // MIT returns a server's KRB-ERROR as the minor code (error + ERROR_TABLE_BASE_krb5).
            krb5_error = static_cast<long>(static_cast<std::int32_t>(minor));
            std::string text = status_text(major, GSS_C_GSS_CODE, GSS_C_NO_OID);
            const std::string minor_text = status_text(minor, GSS_C_MECH_CODE, GSS_C_NO_OID);
            if (!minor_text.empty()) text += " (" + minor_text + ")";
            std::string message = "GSSAPI for " + spn + ": " + text;
            if (!describe_error(*krb5_error)) {
                if (auto code = error_code_from_text(minor_text)) krb5_error = *code;
            }
            if (auto info = describe_error(*krb5_error)) {
                message += ": " + std::string(info->meaning) + " (" + std::string(info->name) + ")";
            }
            return Error(ErrorCode::http_auth, std::move(message));
        }
        complete = major == GSS_S_COMPLETE;
        return {};
    }
};

NegotiateContext::NegotiateContext(std::unique_ptr<State> state) : m_state(std::move(state)) {}
NegotiateContext::~NegotiateContext() = default;

const util::Bytes& NegotiateContext::token() const {
    return m_state->token;
}
bool NegotiateContext::complete() const {
    return m_state->complete;
}
std::optional<long> NegotiateContext::krb5_error() const {
    return m_state->krb5_error;
}

util::Result<std::unique_ptr<NegotiateContext>> NegotiateContext::start(std::string_view host,
                                                                        std::string_view service) {
    auto state = std::make_unique<State>();
    state->spn = std::string(service) + "@" + std::string(host);
    OM_uint32 minor = 0;
    gss_buffer_desc name{state->spn.size(), state->spn.data()};
    if (GSS_ERROR(gss_import_name(&minor, &name, GSS_C_NT_HOSTBASED_SERVICE, &state->target))) {
        return Error(ErrorCode::internal, "GSSAPI cannot import the name " + state->spn);
    }
    SCEP_TRY_VOID(state->step({}));
    return std::unique_ptr<NegotiateContext>(new NegotiateContext(std::move(state)));
}

util::Result<void> NegotiateContext::accept_server_token(util::ByteView server_token) {
    if (m_state->complete) return {};
    return m_state->step(server_token);
}

util::Bytes negotiate_token_from(const std::string& www_authenticate) {
    // The header may list several schemes: "NTLM, Negotiate oYG...".
    const std::string lower = util::to_lower_ascii(www_authenticate);
    std::size_t pos = 0;
    while ((pos = lower.find("negotiate", pos)) != std::string::npos) {
        std::size_t start = pos + 9;
        while (start < www_authenticate.size() && www_authenticate[start] == ' ')
            ++start;
        std::size_t end = start;
        while (end < www_authenticate.size() && www_authenticate[end] != ',' && www_authenticate[end] != ' ')
            ++end;
        if (end > start) {
            if (auto decoded = util::base64_decode(std::string_view(www_authenticate).substr(start, end - start))) {
                return *decoded;
            }
        }
        pos = end;
    }
    return {};
}

} // namespace krb
