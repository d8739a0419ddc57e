// The protocol core talks HTTP only through this interface, so tests can replay captured bytes.
#pragma once

#include <string>
#include <string_view>

#include "scep/util.hpp"

namespace scep {

struct HttpResponse {
    long status = 0;
    std::string content_type;     // empty when the server sent none
    std::string server;           // the Server header, e.g. "Microsoft-IIS/10.0" (NDES detection, RFC 8894 §3.5.2)
    std::string www_authenticate; // every WWW-Authenticate header, joined with ", "
    std::string date;             // the Date header (clock-skew checks)
    SecureBytes body;             // wiped when it goes: the admin page's body holds a challenge
};

// "Application/X-PKI-Message; charset=binary" -> "application/x-pki-message"
std::string media_type(std::string_view content_type);

class HttpTransport {
  public:
    virtual ~HttpTransport() = default;
    // A transport reports failures below HTTP (network, TLS, timeout, size cap) as errors and
    // returns every HTTP status, 4xx and 5xx included, as a response.
    virtual Result<HttpResponse> get(const std::string& url) = 0;
    virtual Result<HttpResponse> post(const std::string& url, ByteView body, const std::string& content_type) = 0;
};

} // namespace scep
