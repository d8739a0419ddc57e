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

#include "scep/transport.hpp"
#include "transport/factory.hpp"
#include "transport/options.hpp"

namespace transport {

// The host part of an http(s) URL (no user info, no port, no brackets), lower-cased; empty when
// the URL has none.
std::string url_host(const std::string& url);

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

    void set_credentials(scep::HttpCredentials credentials) override;
    void set_extra_headers(std::vector<std::string> headers) override;
    std::string url_host(const std::string& url) const override;
    void set_at_most_once(bool at_most_once) override;

    // Redacts values that must never be shown: Authorization headers, URL user info.
    static std::string redact_header_line(std::string_view line);

  private:
    static std::size_t write_body(char* data, std::size_t size, std::size_t count, void* self);
    static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
    static int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
    static int on_socket(void* self, curl_socket_t socket, curlsocktype purpose);
    static int on_prerequest(void* self, char*, char*, int, int);
    util::Result<scep::HttpResponse> perform(const std::string& url);
    void set_request_options(const std::string& url); // URL, limits, TLS, proxy, trace: everything but auth
    void set_authentication();                        // from m_credentials
    util::Result<scep::HttpResponse> read_response(); // after a curl_easy_perform that succeeded
    util::Error curl_error(CURLcode code, const std::string& url) const;
    util::Error describe_curl_error(CURLcode code, const std::string& url) const;
    std::string proxy_for(const std::string& url) const;

    TransportOptions m_options;
    CurlEasyPtr m_handle;
    char m_error_buffer[CURL_ERROR_SIZE] = {};
    util::SecureBytes m_body; // wiped as it grows: an admin page body holds a challenge
    bool m_body_too_large = false;
    scep::HttpCredentials m_credentials;
    std::vector<std::string> m_extra_headers;
    std::optional<scep::TlsInfo> m_tls;
    bool m_at_most_once = false;   // set_at_most_once
    int m_sends = 0;               // times libcurl was about to send this request (its retry: 2)
    bool m_resend_refused = false; // the retry was stopped before it was sent
    std::optional<std::chrono::steady_clock::time_point> m_last_done; // end of the last request
    bool m_tls_wanted = false;  // this request is https and its session is not read yet
    std::string m_request_host; // for TransportOptions::waiting
    std::chrono::steady_clock::time_point m_request_start;
};

// Makes a CurlTransport for each open().
class CurlTransportFactory final : public TransportFactory {
  public:
    std::unique_ptr<scep::HttpTransport> open(const TransportOptions& options) override;
};

// Versions of the linked libraries, for --version.
std::string curl_version_string();

} // namespace transport
