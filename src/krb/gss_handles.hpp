// Inside src/krb only: RAII for GSSAPI handles, the evidence credential the SPN-ownership check
// hands to the delegation check, and GSS status texts.
#pragma once

#include <string>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

namespace krb {

class GssName {
  public:
    GssName() = default;
    ~GssName() { reset(); }
    GssName(const GssName&) = delete;
    GssName& operator=(const GssName&) = delete;
    gss_name_t* out() { return reset(), &m_name; }
    gss_name_t get() const { return m_name; }
    void reset() {
        OM_uint32 minor = 0;
        if (m_name != GSS_C_NO_NAME) gss_release_name(&minor, &m_name);
    }

  private:
    gss_name_t m_name = GSS_C_NO_NAME;
};

class GssCred {
  public:
    GssCred() = default;
    ~GssCred() { reset(); }
    GssCred(const GssCred&) = delete;
    GssCred& operator=(const GssCred&) = delete;
    gss_cred_id_t* out() { return reset(), &m_cred; }
    gss_cred_id_t get() const { return m_cred; }
    void reset() {
        OM_uint32 minor = 0;
        if (m_cred != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &m_cred);
    }

  private:
    gss_cred_id_t m_cred = GSS_C_NO_CREDENTIAL;
};

class GssContext {
  public:
    GssContext() = default;
    ~GssContext() {
        OM_uint32 minor = 0;
        if (m_context != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &m_context, GSS_C_NO_BUFFER);
    }
    GssContext(const GssContext&) = delete;
    GssContext& operator=(const GssContext&) = delete;
    gss_ctx_id_t* ptr() { return &m_context; }

  private:
    gss_ctx_id_t m_context = GSS_C_NO_CONTEXT;
};

class GssBuffer {
  public:
    GssBuffer() = default;
    ~GssBuffer() {
        OM_uint32 minor = 0;
        gss_release_buffer(&minor, &m_buffer);
    }
    GssBuffer(const GssBuffer&) = delete;
    GssBuffer& operator=(const GssBuffer&) = delete;
    gss_buffer_t ptr() { return &m_buffer; }

  private:
    gss_buffer_desc m_buffer{0, nullptr};
};

// "Unspecified GSS failure; Cannot decrypt ticket for ... (krb5 minor text)".
std::string gss_status_text(OM_uint32 major, OM_uint32 minor);

// What the SPN-ownership check accepted: the delegated credential of the accepted context.
class Evidence {
  public:
    GssCred credential; // usable for S4U2Proxy (MIT: an impersonator credential)
};

} // namespace krb
