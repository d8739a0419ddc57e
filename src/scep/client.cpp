#include "scep/client.hpp"

namespace scep {

Client::Client(HttpTransport& transport, std::string scep_url) : m_transport(transport), m_url(std::move(scep_url)) {}

std::string Client::operation_url(std::string_view operation, std::string_view message) const {
    std::string url = m_url;
    url += m_url.find('?') == std::string::npos ? '?' : '&';
    url += "operation=";
    url += operation;
    if (!message.empty()) {
        url += "&message=";
        url += percent_encode(message);
    }
    return url;
}

Error http_status_error(std::string_view operation, const HttpResponse& response) {
    const long status = response.status;
    std::string message = std::string(operation) + ": server answered HTTP " + std::to_string(status);
    ErrorCode code = ErrorCode::http_status;
    switch (status) {
    case 401:
        code = ErrorCode::http_auth;
        message += " Unauthorized (the SCEP endpoint should not require authentication; check the URL or the"
                   " server's authentication settings)";
        break;
    case 403:
        message += " Forbidden (NDES with the Intune connector answers 403 to plain requests; check the URL)";
        break;
    case 404:
        message += " Not Found (check the URL: NDES uses /certsrv/mscep/mscep.dll, others often /cgi-bin/pkiclient.exe"
                   "; IIS also reports URL-length limits as 404.14/404.15)";
        break;
    case 414: message += " URI Too Long (raise IIS maxUrl/maxQueryString to 65534 or use POST)"; break;
    case 500:
        message += " Internal Server Error (on NDES: expired MSCEP-RA certificates, or the NDES service account"
                   " locked or its password expired)";
        break;
    case 503: message += " Service Unavailable (on NDES: the SCEP application pool is stopped or crashing)"; break;
    default: break;
    }
    Error error(code, std::move(message));
    error.http_status = status;
    return error;
}

bool url_too_long(const HttpResponse& response) {
    if (response.status == 414) return true;
    if (response.status != 404) return false;
    const std::string_view body = as_chars(response.body).substr(0, 512);
    return body.find("404.14") != std::string_view::npos || body.find("404.15") != std::string_view::npos;
}

std::string iis_url_limit_fix() {
    return "IIS: raise requestFiltering requestLimits maxUrl and maxQueryString to 65534, and HTTP.sys"
           " MaxFieldLength and MaxRequestBytes (HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters)"
           " to 65534, then reboot; or let clients use POST";
}

Result<CapsReply> Client::get_ca_caps(std::string_view ca_identifier) {
    SCEP_TRY(auto response, m_transport.get(operation_url("GetCACaps", ca_identifier)));
    CapsReply reply;
    reply.http_status = response.status;
    if (response.status < 200 || response.status > 299) {
        reply.http_error = http_status_error("GetCACaps", response);
        return reply;
    }
    auto caps = Capabilities::parse_reply(response.body, response.content_type);
    if (!caps) return std::move(caps).error();
    reply.caps = std::move(caps).value();
    return reply;
}

Result<CaCertBundle> Client::get_ca_cert(std::string_view ca_identifier, std::int64_t now_unix) {
    SCEP_TRY(auto response, m_transport.get(operation_url("GetCACert", ca_identifier)));
    if (response.status < 200 || response.status > 299) return http_status_error("GetCACert", response);
    auto bundle = parse_get_ca_cert(response.body, response.content_type, now_unix);
    if (!bundle) return std::move(bundle).error().context("GetCACert");
    return bundle;
}

Result<NextCaCerts> Client::get_next_ca_cert(std::string_view ca_identifier, const CaCertBundle& current,
                                             std::int64_t now_unix) {
    SCEP_TRY(auto response, m_transport.get(operation_url("GetNextCACert", ca_identifier)));
    if (response.status < 200 || response.status > 299) return http_status_error("GetNextCACert", response);
    auto next = parse_get_next_ca_cert(response.body, response.content_type, current, now_unix);
    if (!next) return std::move(next).error().context("GetNextCACert");
    return next;
}

} // namespace scep
