// HttpTransport on libcurl: one easy handle reused for every request of a run (one connection).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "scep/certificate.hpp"
#include "scep/transport.hpp"

namespace transport {

// HTTP authentication for one request (the NDES admin page; SCEP itself is anonymous).
enum class HttpAuth { none, negotiate, ntlm, basic };

struct HttpCredentials {
    HttpAuth scheme = HttpAuth::none;
    std::string username;  // NTLM/Basic; Negotiate uses the Kerberos credential cache
    util::Secret password; // never traced
};

std::string to_string(HttpAuth scheme);

// The authentication schemes a 401 offers ("Negotiate", "NTLM", "Basic"), from its
// WWW-Authenticate headers, lower-cased.
std::vector<std::string> offered_auth_schemes(const std::string& www_authenticate);

// The host part of an http(s) URL (no user info, no port, no brackets), lower-cased; empty when
// the URL has none.
std::string url_host(const std::string& url);

struct TransportOptions {
    std::string ca_file;              // --cacert; empty = the system trust store
    bool insecure = false;            // --insecure: no TLS peer or host verification
    std::optional<std::string> proxy; // --proxy; unset = libcurl's usual *_proxy environment variables
    long timeout_ms = 60'000;         // whole request (--timeout)
    long connect_timeout_ms = 15'000; // never longer than timeout_ms
    std::size_t max_body_bytes = 8u << 20;
    std::string user_agent;
    // Receives one line per event for --verbose; secrets are already redacted.
    std::function<void(const std::string&)> trace;
    // Called about once a second while a request is in flight (host, time since it started), and
    // once with done = true when it ends: the CLI shows slow servers on a terminal.
    std::function<void(const std::string& host, std::chrono::milliseconds elapsed, bool done)> waiting;
    // Asked before each request and about once a second during it: true aborts the request with
    // ErrorCode::interrupted (enroll and renew stop on SIGINT, SIGTERM, SIGHUP).
    std::function<bool()> cancelled;
};

// What the TLS handshake of the last https request negotiated (check-ndes).
struct TlsInfo {
    std::string version;                   // "TLSv1.3"
    std::string cipher;                    // "TLS_AES_256_GCM_SHA384"
    std::optional<scep::Certificate> peer; // the server's certificate
};

struct CurlEasyDeleter {
    void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
struct CurlSlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

class CurlTransport final : public scep::HttpTransport {
  public:
    explicit CurlTransport(TransportOptions options);

    util::Result<scep::HttpResponse> get(const std::string& url) override;
    util::Result<scep::HttpResponse> post(const std::string& url, util::ByteView body,
                                          const std::string& content_type) override;

    // Authentication for the following requests (none by default). Negotiate never delegates.
    void set_credentials(HttpCredentials credentials);
    // Extra request headers for the following requests, e.g. "Authorization: Negotiate ..." from
    // our own GSSAPI context (check-kerberos). Traced redacted like every Authorization header.
    void set_extra_headers(std::vector<std::string> headers);

    // The TLS session of the last request that got an answer over https; nullopt for http, before
    // the first answer, or with a TLS library other than OpenSSL.
    const std::optional<TlsInfo>& last_tls() const { return m_tls; }
    // libcurl's code for the last request (CURLE_OK when it got an answer), to tell TLS failures apart.
    CURLcode last_curl_code() const { return m_last_code; }

    // Redacts values that must never be shown: Authorization headers, URL user info.
    static std::string redact_header_line(std::string_view line);
    static std::string redact_url(std::string_view url);

  private:
    static std::size_t write_body(char* data, std::size_t size, std::size_t count, void* self);
    static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
    static int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
    static int on_socket(void* self, curl_socket_t socket, curlsocktype purpose);
    util::Result<scep::HttpResponse> perform(const std::string& url);
    util::Error curl_error(CURLcode code, const std::string& url) const;
    std::string proxy_for(const std::string& url) const;

    TransportOptions m_options;
    CurlEasyPtr m_handle;
    char m_error_buffer[CURL_ERROR_SIZE] = {};
    util::SecureBytes m_body; // wiped as it grows: an admin page body holds a challenge
    bool m_body_too_large = false;
    HttpCredentials m_credentials;
    std::vector<std::string> m_extra_headers;
    std::optional<TlsInfo> m_tls;
    bool m_tls_wanted = false; // this request is https and its session is not read yet
    CURLcode m_last_code = CURLE_OK;
    std::string m_request_host; // for TransportOptions::waiting
    std::chrono::steady_clock::time_point m_request_start;
};

// Versions of the linked libraries, for --version.
std::string curl_version_string();

} // namespace transport
