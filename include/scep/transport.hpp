// The protocol core (and the NDES admin page) talks HTTP only through this interface, so tests can
// replay captured bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scep/certificate.hpp"
#include "scep/util.hpp"

namespace scep {

// HTTP authentication for the following requests (the NDES admin page; SCEP itself is anonymous).
enum class HttpAuth { none, negotiate, ntlm, basic };
std::string to_string(HttpAuth scheme); // "none", "Negotiate", "NTLM", "Basic"

struct HttpCredentials {
    HttpAuth scheme = HttpAuth::none;
    std::string username; // NTLM/Basic; Negotiate uses the Kerberos credential cache
    Secret password;      // never traced
};

// What the TLS handshake of an https request negotiated (check-ndes).
struct TlsInfo {
    std::string version;             // "TLSv1.3"
    std::string cipher;              // "TLS_AES_256_GCM_SHA384"
    std::optional<Certificate> peer; // the server's certificate
};

struct HttpResponse {
    long status = 0;
    std::string content_type;     // empty when the server sent none
    std::string server;           // the Server header, e.g. "Microsoft-IIS/10.0" (NDES detection, RFC 8894 §3.5.2)
    std::string www_authenticate; // every WWW-Authenticate header, joined with ", "
    std::string date;             // the Date header (clock-skew checks)
    SecureBytes body;             // wiped when it goes: the admin page's body holds a challenge
    std::optional<TlsInfo> tls;   // over https, when the TLS library lets it be read
};

// The authentication schemes a 401 offers ("negotiate", "ntlm", "basic"), from its
// WWW-Authenticate headers, lower-cased, in the order offered, each once.
std::vector<std::string> offered_auth_schemes(const std::string& www_authenticate);

// "Application/X-PKI-Message; charset=binary" -> "application/x-pki-message"
std::string media_type(std::string_view content_type);

class HttpTransport {
  public:
    virtual ~HttpTransport() = default;
    // A transport reports failures below HTTP (network, TLS, timeout, size cap) as errors and
    // returns every HTTP status, 4xx and 5xx included, as a response.
    virtual Result<HttpResponse> get(const std::string& url) = 0;
    virtual Result<HttpResponse> post(const std::string& url, ByteView body, const std::string& content_type) = 0;
    // Authentication for the following requests (none by default). Negotiate never delegates.
    virtual void set_credentials(HttpCredentials credentials) = 0;
    // Extra request headers for the following requests, e.g. "Authorization: Negotiate ..." from
    // our own GSSAPI context (check-kerberos). Traced redacted like every Authorization header.
    virtual void set_extra_headers(std::vector<std::string> headers) = 0;
    // The host this transport connects to for `url`: lower case, without user info, port or
    // brackets; empty when it has none. Kerberos tokens go only where this says.
    virtual std::string url_host(const std::string& url) const = 0;
    // Whether the following requests must reach the server at most once: a PKIOperation, whose
    // NDES one-time challenge is good once (a second copy is refused, and the client would report
    // badRequest for a certificate the CA may have issued). A transport that would send a request
    // again by itself (libcurl does, once, when a reused connection closes before any answer)
    // fails it instead, with an error that says the server may have received it.
    virtual void set_at_most_once(bool at_most_once) = 0;
};

// Sets HttpTransport::set_at_most_once while it lives.
class AtMostOnce {
  public:
    explicit AtMostOnce(HttpTransport& transport) : m_transport(transport) { m_transport.set_at_most_once(true); }
    ~AtMostOnce() { m_transport.set_at_most_once(false); }
    AtMostOnce(const AtMostOnce&) = delete;
    AtMostOnce& operator=(const AtMostOnce&) = delete;

  private:
    HttpTransport& m_transport;
};

} // namespace scep
