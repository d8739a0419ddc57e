// The SCEP client sequence over an HttpTransport: no HTTP library, no files.
#pragma once

#include <cstdint>
#include <string>

#include "scep/ca_certs.hpp"
#include "scep/caps.hpp"
#include "scep/transport.hpp"

namespace scep {

struct CapsReply {
    Capabilities caps;
    long http_status = 0;
    // RFC 8894 §3.5.2: an HTTP error means "no capabilities"; this says why they are empty.
    std::optional<Error> http_error;
};

class Client {
  public:
    Client(HttpTransport& transport, std::string scep_url);

    // GetCACaps: never fails on an HTTP error status (the caps are then empty and http_error
    // says why), only on network-level failures and on a body that is no capability list.
    Result<CapsReply> get_ca_caps(std::string_view ca_identifier = {});
    Result<CaCertBundle> get_ca_cert(std::string_view ca_identifier, std::int64_t now_unix);
    // GetNextCACert (§4.7): verified against `current`, the verified GetCACert bundle.
    Result<NextCaCerts> get_next_ca_cert(std::string_view ca_identifier, const CaCertBundle& current,
                                         std::int64_t now_unix);

    // "<url>?operation=OP[&message=MSG]" with MSG percent-encoded (RFC 8894 §4.1).
    std::string operation_url(std::string_view operation, std::string_view message) const;
    HttpTransport& transport() { return m_transport; }

  private:
    HttpTransport& m_transport;
    std::string m_url;
};

// Turns an HTTP error status into an error naming the likely cause; NDES/IIS causes included.
Error http_status_error(std::string_view operation, const HttpResponse& response);

// IIS refuses a URL longer than its request-filtering limits with 404.14 (maxUrl) or 404.15
// (maxQueryString), HTTP.sys with 414: true for such an answer to a GET PKIOperation.
bool url_too_long(const HttpResponse& response);
// What an NDES administrator changes so that long GET requests pass (RFC 8894 §4.1 GET).
std::string iis_url_limit_fix();

} // namespace scep
