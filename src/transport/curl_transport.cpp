#include "transport/curl_transport.hpp"

#include <algorithm>
#include <cstdlib>
#include <array>
#include <mutex>
#include <optional>
#include <string_view>

#include <fcntl.h>

#include <openssl/ssl.h>

#include "ossl/wiping_heap.hpp"
#include "util/url.hpp"

namespace transport {

using util::Error;
using util::ErrorCode;

namespace {

void ensure_curl_global_init() {
    static std::once_flag once;
    // libcurl's copies of passwords and of what it sent and received are wiped when it frees them.
    std::call_once(once, [] {
        curl_global_init_mem(CURL_GLOBAL_DEFAULT, ossl::wiping_malloc, ossl::wiping_free, ossl::wiping_realloc,
                             ossl::wiping_strdup, ossl::wiping_calloc);
    });
}

std::string host_of(const std::string& url) {
    auto start = url.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    auto end = url.find_first_of("/?#", start);
    std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
    return authority;
}

// The proxy libcurl uses for `url`: --proxy, else its environment variables (as libcurl reads
// them: lower-case http_proxy only, https_proxy or HTTPS_PROXY, then all_proxy/ALL_PROXY).
// no_proxy is not evaluated here; this only serves to word an error message.
std::string proxy_from_environment(const std::string& url) {
    static constexpr std::array<const char*, 4> k_https_vars{"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
    static constexpr std::array<const char*, 3> k_http_vars{"http_proxy", "all_proxy", "ALL_PROXY"};
    const bool https = util::to_lower_ascii(url.substr(0, 8)) == "https://";
    const auto lookup = [](const auto& names) -> std::string {
        for (const char* name : names) {
            if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
        }
        return {};
    };
    return https ? lookup(k_https_vars) : lookup(k_http_vars);
}

std::string header_value(CURL* handle, const char* name) {
    curl_header* header = nullptr;
    if (curl_easy_header(handle, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK || header == nullptr) return {};
    return header->value;
}

// Every instance of a repeated header of the last response, joined with ", " (RFC 9110 §5.3).
std::string all_header_values(CURL* handle, const char* name) {
    curl_header* header = nullptr;
    if (curl_easy_header(handle, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK || header == nullptr) return {};
    std::string joined;
    for (std::size_t i = 0; i < header->amount; ++i) {
        curl_header* instance = nullptr;
        if (curl_easy_header(handle, name, i, CURLH_HEADER, -1, &instance) != CURLHE_OK || instance == nullptr) break;
        if (!joined.empty()) joined += ", ";
        joined += instance->value;
    }
    return joined;
}

constexpr std::size_t k_trace_line_max = 160;

int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
    auto* options = static_cast<TransportOptions*>(user);
    const std::string_view text(data, size);
    const auto emit_lines = [&](const char* prefix, bool redact) {
        std::size_t pos = 0;
        while (pos < text.size()) {
            auto end = text.find('\n', pos);
            if (end == std::string_view::npos) end = text.size();
            std::string_view line = text.substr(pos, end - pos);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (!line.empty()) {
                std::string shown = redact ? CurlTransport::redact_header_line(line) : std::string(line);
                if (shown.size() > k_trace_line_max) {
                    shown = shown.substr(0, k_trace_line_max) + "... (" + std::to_string(shown.size()) + " chars)";
                }
                options->trace(std::string(prefix) + shown);
            }
            pos = end + 1;
        }
    };
    switch (type) {
    case CURLINFO_TEXT: emit_lines("* ", true); break;
    case CURLINFO_HEADER_OUT: emit_lines("> ", true); break;
    case CURLINFO_HEADER_IN: emit_lines("< ", true); break;
    case CURLINFO_DATA_OUT: options->trace("> [" + std::to_string(size) + " bytes of body]"); break;
    case CURLINFO_DATA_IN: options->trace("< [" + std::to_string(size) + " bytes of body]"); break;
    default: break; // TLS records are not shown
    }
    return 0;
}

} // namespace

std::string curl_version_string() {
    return curl_version();
}

std::string url_host(const std::string& url) {
    CURLU* handle = curl_url();
    if (handle == nullptr) return {};
    std::string host;
    char* part = nullptr;
    if (curl_url_set(handle, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
        curl_url_get(handle, CURLUPART_HOST, &part, 0) == CURLUE_OK && part != nullptr) {
        host = util::to_lower_ascii(part);
        curl_free(part);
    }
    curl_url_cleanup(handle);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return host;
}

std::size_t CurlTransport::write_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* self = static_cast<CurlTransport*>(user);
    const std::size_t n = size * count;
    if (self->m_body.size() + n > self->m_options.max_body_bytes) {
        self->m_body_too_large = true;
        return 0; // makes libcurl stop with CURLE_WRITE_ERROR
    }
    self->m_body.insert(self->m_body.end(), data, data + n);
    // libcurl's receive buffer keeps what it delivered until the next read overwrites it (never,
    // for the last reply of a handle): the copy we now own is the only one.
    OPENSSL_cleanse(data, n);
    return n;
}

// libcurl calls this at least once a second during a transfer (CURLOPT_XFERINFOFUNCTION).
int CurlTransport::on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* self = static_cast<CurlTransport*>(user);
    if (self->m_options.cancelled && self->m_options.cancelled()) return 1; // CURLE_ABORTED_BY_CALLBACK
    if (self->m_options.waiting) {
        const auto elapsed = std::chrono::steady_clock::now() - self->m_request_start;
        self->m_options.waiting(self->m_request_host, std::chrono::duration_cast<std::chrono::milliseconds>(elapsed),
                                false);
    }
    return 0;
}

// Every socket libcurl opens is close-on-exec, so no program scepctl starts (a deploy hook)
// inherits the connection to the server. libcurl 7.88 does not set it itself.
int CurlTransport::on_socket(void*, curl_socket_t socket, curlsocktype) {
    const int flags = ::fcntl(socket, F_GETFD);
    if (flags < 0 || ::fcntl(socket, F_SETFD, flags | FD_CLOEXEC) != 0) return CURL_SOCKOPT_ERROR;
    return CURL_SOCKOPT_OK;
}

// libcurl calls this right before it sends a request, on a new or a reused connection. It sends a
// request again, once, when a reused connection closes before any byte of answer (lib/transfer.c
// Curl_retry_request; libcurl 7.88 has no option to turn that off): the server may have read and
// acted on the first copy. For an at-most-once request the second call stops the transfer before
// that copy goes out. A connection idle for longer than k_idle_before_once is not reused for such
// a request at all (perform): a server's keep-alive timeout (Apache's default is 5 s) most likely
// closed it, and the refusal would fail a request the server never read. In the flows the
// PKIOperation follows the request before it within milliseconds, so it keeps the connection;
// polls and slow key generation get a new one. A fresh connection for every PKIOperation would
// cost one more TCP and TLS handshake per enrollment; the idle rule alone would still race with a
// server closing a connection as the request arrives.
int CurlTransport::on_prerequest(void* user, char*, char*, int, int) {
    auto* self = static_cast<CurlTransport*>(user);
    if (++self->m_sends > 1 && self->m_at_most_once) {
        self->m_resend_refused = true;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

// Reads the TLS session while the connection is surely alive: at the first header of the answer.
std::size_t CurlTransport::on_header(char*, std::size_t size, std::size_t count, void* user) {
    auto* self = static_cast<CurlTransport*>(user);
    if (self->m_tls_wanted) {
        self->m_tls_wanted = false;
        const curl_tlssessioninfo* session = nullptr;
        if (curl_easy_getinfo(self->m_handle.get(), CURLINFO_TLS_SSL_PTR, &session) == CURLE_OK && session != nullptr &&
            session->backend == CURLSSLBACKEND_OPENSSL && session->internals != nullptr) {
            auto* ssl = static_cast<SSL*>(session->internals);
            scep::TlsInfo info;
            info.version = SSL_get_version(ssl);
            if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl); cipher != nullptr) {
                info.cipher = SSL_CIPHER_get_name(cipher);
            }
            if (X509* peer = SSL_get1_peer_certificate(ssl); peer != nullptr) info.peer.emplace(peer);
            self->m_tls = std::move(info);
        }
    }
    return size * count;
}

std::string CurlTransport::redact_header_line(std::string_view line) {
    static constexpr std::string_view k_secret_headers[] = {
        "authorization:", "proxy-authorization:", "cookie:", "set-cookie:", "www-authenticate:", "proxy-authenticate:"};
    std::string lower(line);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (auto name : k_secret_headers) {
        if (lower.rfind(name, 0) == 0) {
            // Keep the scheme ("Negotiate", "Basic") so the trace still shows what was offered.
            std::string_view value = line.substr(name.size());
            while (!value.empty() && value.front() == ' ')
                value.remove_prefix(1);
            const auto space = value.find(' ');
            std::string shown(line.substr(0, name.size()));
            shown += ' ';
            if (space == std::string_view::npos && value.size() <= 16 &&
                name.find("authenticate") != std::string_view::npos) {
                shown += value; // a bare scheme offer such as "WWW-Authenticate: Negotiate"
            } else {
                shown += std::string(value.substr(0, space == std::string_view::npos ? 0 : space));
                shown += space == std::string_view::npos ? "<redacted>" : " <redacted>";
            }
            return shown;
        }
    }
    return util::redact_url(line);
}

CurlTransport::CurlTransport(TransportOptions options) : m_options(std::move(options)) {
    ensure_curl_global_init();
    m_handle.reset(curl_easy_init());
    m_options.connect_timeout_ms = std::min(m_options.connect_timeout_ms, m_options.timeout_ms);
}

void CurlTransport::set_credentials(scep::HttpCredentials credentials) {
    m_credentials = std::move(credentials);
}
void CurlTransport::set_extra_headers(std::vector<std::string> headers) {
    m_extra_headers = std::move(headers);
}
void CurlTransport::set_at_most_once(bool at_most_once) {
    m_at_most_once = at_most_once;
}

util::Result<scep::HttpResponse> CurlTransport::get(const std::string& url) {
    if (!m_handle) return Error(ErrorCode::internal, "libcurl could not be initialised");
    curl_easy_setopt(m_handle.get(), CURLOPT_HTTPGET, 1L);
    CurlSlistPtr headers;
    for (const auto& header : m_extra_headers) {
        curl_slist* appended = curl_slist_append(headers.get(), header.c_str());
        if (appended == nullptr) return Error(ErrorCode::internal, "out of memory for request headers");
        headers.release();
        headers.reset(appended);
    }
    curl_easy_setopt(m_handle.get(), CURLOPT_HTTPHEADER, headers.get());
    auto result = perform(url);
    curl_easy_setopt(m_handle.get(), CURLOPT_HTTPHEADER, nullptr);
    return result;
}

util::Result<scep::HttpResponse> CurlTransport::post(const std::string& url, util::ByteView body,
                                                     const std::string& content_type) {
    if (!m_handle) return Error(ErrorCode::internal, "libcurl could not be initialised");
    CURL* h = m_handle.get();
    CurlSlistPtr headers(curl_slist_append(nullptr, ("Content-Type: " + content_type).c_str()));
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    auto result = perform(url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);
    return result;
}

namespace {

constexpr auto k_idle_before_once = std::chrono::seconds(1);

// A URL libcurl cannot parse, or one for another protocol, is a usage error, found before any
// request: once the URL is known to be good, libcurl's "unsupported protocol" at perform time can
// only mean that the server answered with something that is not HTTP.
std::optional<Error> invalid_url(const std::string& url) {
    CURLU* handle = curl_url();
    if (handle == nullptr) return Error(ErrorCode::internal, "out of memory for a URL");
    char* scheme = nullptr;
    const bool parsed = curl_url_set(handle, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
                        curl_url_get(handle, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK && scheme != nullptr;
    const bool http = parsed && (std::string_view(scheme) == "http" || std::string_view(scheme) == "https");
    curl_free(scheme);
    curl_url_cleanup(handle);
    if (http) return std::nullopt;
    return Error(ErrorCode::usage, "URL '" + util::redact_url(url) + "' is not a valid http or https URL");
}

} // namespace

void CurlTransport::set_request_options(const std::string& url) {
    CURL* h = m_handle.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, m_error_buffer);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_socket);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prerequest);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, this);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, m_options.timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, m_options.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(m_options.max_body_bytes));
    curl_easy_setopt(h, CURLOPT_USERAGENT, m_options.user_agent.c_str());
    // IIS cannot do Windows (Negotiate) authentication over HTTP/2; NDES lives behind IIS.
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    // Redirects are reported, not followed: the admin fixes the URL, and nothing is sent to a
    // host nobody configured.
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, m_options.insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, m_options.insecure ? 0L : 2L);
    if (!m_options.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, m_options.ca_file.c_str());
    if (m_options.proxy) curl_easy_setopt(h, CURLOPT_PROXY, m_options.proxy->c_str());
    if (m_options.trace) {
        curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(h, CURLOPT_DEBUGDATA, &m_options);
    }
}

void CurlTransport::set_authentication() {
    CURL* h = m_handle.get();
    switch (m_credentials.scheme) {
    case scep::HttpAuth::none:
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_NONE);
        curl_easy_setopt(h, CURLOPT_USERNAME, nullptr);
        curl_easy_setopt(h, CURLOPT_PASSWORD, nullptr);
        break;
    case scep::HttpAuth::negotiate:
        // Only Negotiate, so a silent NTLM fallback cannot hide a Kerberos failure. The empty
        // user makes every libcurl version try it; the ticket comes from the credential cache.
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_NEGOTIATE);
        curl_easy_setopt(h, CURLOPT_USERNAME, "");
        curl_easy_setopt(h, CURLOPT_PASSWORD, "");
        curl_easy_setopt(h, CURLOPT_GSSAPI_DELEGATION, CURLGSSAPI_DELEGATION_NONE);
        break;
    case scep::HttpAuth::ntlm:
    case scep::HttpAuth::basic:
        curl_easy_setopt(h, CURLOPT_HTTPAUTH,
                         m_credentials.scheme == scep::HttpAuth::ntlm ? CURLAUTH_NTLM : CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, m_credentials.username.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, m_credentials.password.c_str());
        break;
    }
}

util::Result<scep::HttpResponse> CurlTransport::read_response() {
    CURL* h = m_handle.get();
    scep::HttpResponse response;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    const char* content_type = nullptr;
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &content_type);
    if (content_type != nullptr) response.content_type = content_type;
    response.server = header_value(h, "Server");
    response.www_authenticate = all_header_values(h, "WWW-Authenticate");
    response.date = header_value(h, "Date");
    response.body = std::move(m_body);
    response.tls = m_tls;
    m_body = {};
    if (response.status >= 300 && response.status < 400) {
        const char* location = nullptr;
        curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location);
        Error error(ErrorCode::http_status,
                    "server answered HTTP " + std::to_string(response.status) + " redirecting to " +
                        (location != nullptr ? util::redact_url(location) : std::string("(no Location)")) +
                        ": use that URL instead (redirects are not followed)");
        error.http_status = response.status;
        return error;
    }
    return response;
}

util::Result<scep::HttpResponse> CurlTransport::perform(const std::string& url) {
    if (auto invalid = invalid_url(url)) return std::move(*invalid);
    CURL* h = m_handle.get();
    m_body.clear();
    m_body_too_large = false;
    m_error_buffer[0] = '\0';
    m_tls_wanted = util::to_lower_ascii(url.substr(0, 8)) == "https://";
    m_tls.reset();
    m_sends = 0;
    m_resend_refused = false;
    set_request_options(url);
    set_authentication();
    if (m_options.cancelled && m_options.cancelled()) {
        return Error(ErrorCode::interrupted, "before the request to " + host_of(url));
    }
    if (m_options.waiting || m_options.cancelled) {
        m_request_host = host_of(url);
        m_request_start = std::chrono::steady_clock::now();
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, this);
    }
    const bool idle = m_last_done && std::chrono::steady_clock::now() - *m_last_done > k_idle_before_once;
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, m_at_most_once && idle ? 1L : 0L);
    const CURLcode rc = curl_easy_perform(h);
    m_last_done = std::chrono::steady_clock::now();
    if (m_options.waiting) m_options.waiting(m_request_host, {}, true);
    m_tls_wanted = false;
    if (rc != CURLE_OK) return curl_error(rc, url);
    return read_response();
}

std::string CurlTransport::proxy_for(const std::string& url) const {
    return m_options.proxy ? *m_options.proxy : proxy_from_environment(url);
}

Error CurlTransport::describe_curl_error(CURLcode code, const std::string& url) const {
    const std::string host = host_of(url);
    const std::string detail = m_error_buffer[0] != '\0' ? m_error_buffer : curl_easy_strerror(code);
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        return Error(ErrorCode::timeout, "no complete answer from " + host + " within " +
                                             std::to_string(m_options.timeout_ms / 1000.0).substr(0, 5) +
                                             " s (raise --timeout if the server is slow)")
            .with_detail(detail);
    case CURLE_COULDNT_RESOLVE_HOST:
        return Error(ErrorCode::network, "cannot resolve host name of " + host + " (" + detail + ")");
    case CURLE_COULDNT_RESOLVE_PROXY: return Error(ErrorCode::network, "cannot resolve the proxy (" + detail + ")");
    case CURLE_COULDNT_CONNECT: {
        const std::string proxy = proxy_for(url);
        if (!proxy.empty()) {
            return Error(ErrorCode::network, "cannot connect to " + host + " through proxy " + util::redact_url(proxy) +
                                                 " (" + detail + ")");
        }
        return Error(ErrorCode::network, "cannot connect to " + host + " (" + detail + ")");
    }
    case CURLE_PEER_FAILED_VERIFICATION:
        // curl's texts for a name mismatch (subjectAltName, or CN when there is none).
        if (detail.find("does not match target host name") != std::string::npos ||
            detail.find("no alternative certificate subject name matches") != std::string::npos) {
            return Error(ErrorCode::network, "TLS: the certificate of " + host + " is issued for another name (" +
                                                 detail + "); use a host name in --url that the certificate holds");
        }
        return Error(ErrorCode::network, "TLS: the certificate of " + host + " is not trusted (" + detail +
                                             "); pass its issuing CA with --cacert FILE");
    case CURLE_SSL_CACERT_BADFILE:
        return Error(ErrorCode::file, "cannot read the TLS CA file '" + m_options.ca_file + "' (" + detail + ")");
    case CURLE_SSL_CONNECT_ERROR:
        return Error(ErrorCode::network, "TLS handshake with " + host + " failed (" + detail + ")");
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (m_body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
            return Error(ErrorCode::bad_reply, "reply from " + host + " is larger than the limit of " +
                                                   std::to_string(m_options.max_body_bytes) + " bytes");
        }
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        if (m_resend_refused) {
            return Error(ErrorCode::network, host + " closed the connection without answering, after the request was "
                                                    "sent: it was not sent again (the server may have received it)")
                .with_fix("run the command again; if the server took its one-time challenge, a new one is needed");
        }
        return Error(ErrorCode::interrupted, "while waiting for " + host);
    case CURLE_GOT_NOTHING: return Error(ErrorCode::network, host + " closed the connection without answering");
    case CURLE_PARTIAL_FILE:
        return Error(ErrorCode::network,
                     "reply from " + host + " was cut off before its announced end (" + detail + ")");
    case CURLE_LOGIN_DENIED:
        return Error(ErrorCode::http_auth,
                     host + " refused the " + to_string(m_credentials.scheme) + " authentication (" + detail + ")");
    case CURLE_URL_MALFORMAT:
        return Error(ErrorCode::usage, "URL '" + util::redact_url(url) + "' is not a valid http or https URL");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
        // The URL was checked before the request (invalid_url): the reply is what libcurl could
        // not read as HTTP, e.g. "Received HTTP/0.9 when not allowed" for an SSH banner. Exit 95,
        // as for an https URL to such a port, whose TLS handshake fails: a wrong port or service.
        return Error(ErrorCode::network, host + " did not answer with HTTP (" + detail +
                                             "): is another service (SSH, SMTP, ...) on that port? Check the"
                                             " port in the URL");
    default: break;
    }
    return Error(ErrorCode::network, "request to " + host + " failed: " + detail);
}

Error CurlTransport::curl_error(CURLcode code, const std::string& url) const {
    Error error = describe_curl_error(code, url);
    error.tls = code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CONNECT_ERROR ||
                code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CIPHER;
    return error;
}

std::string CurlTransport::url_host(const std::string& url) const {
    return transport::url_host(url);
}

std::unique_ptr<scep::HttpTransport> CurlTransportFactory::open(const TransportOptions& options) {
    return std::make_unique<CurlTransport>(options);
}

} // namespace transport
