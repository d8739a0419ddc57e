// A transport for unit tests: answers each request with the next recorded reply and remembers what
// was asked (method, URL, body, credentials, extra headers). Replies are captured server bytes or
// errors; a request with no reply left fails the test with an internal error.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "scep/transport.hpp"

namespace test {

struct Request {
    std::string method; // "GET" or "POST"
    std::string url;
    util::Bytes body;
    scep::HttpAuth auth = scep::HttpAuth::none;
    std::vector<std::string> extra_headers;
    bool at_most_once = false; // HttpTransport::set_at_most_once was on
};

class ReplayTransport final : public scep::HttpTransport {
  public:
    std::deque<util::Result<scep::HttpResponse>> replies;
    std::vector<Request> requests;
    std::vector<std::string> urls; // the URLs of `requests`, in order

    util::Result<scep::HttpResponse> get(const std::string& url) override { return answer("GET", url, {}); }
    util::Result<scep::HttpResponse> post(const std::string& url, util::ByteView body, const std::string&) override {
        return answer("POST", url, body);
    }
    void set_credentials(scep::HttpCredentials credentials) override { m_auth = credentials.scheme; }
    void set_extra_headers(std::vector<std::string> headers) override { m_headers = std::move(headers); }
    void set_at_most_once(bool at_most_once) override { m_at_most_once = at_most_once; }
    // Everything between "://" and the next '/', without user info and port: enough for tests.
    std::string url_host(const std::string& url) const override {
        const auto start = url.find("://");
        std::string authority = url.substr(start == std::string::npos ? 0 : start + 3);
        authority = authority.substr(0, authority.find_first_of("/?#"));
        if (const auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
        return util::to_lower_ascii(authority.substr(0, authority.rfind(':')));
    }

  private:
    util::Result<scep::HttpResponse> answer(const char* method, const std::string& url, util::ByteView body) {
        requests.push_back({method, url, util::Bytes(body.begin(), body.end()), m_auth, m_headers, m_at_most_once});
        urls.push_back(url);
        if (replies.empty()) return util::Error(util::ErrorCode::internal, "test: no reply left for " + url);
        auto reply = std::move(replies.front());
        replies.pop_front();
        return reply;
    }
    scep::HttpAuth m_auth = scep::HttpAuth::none;
    std::vector<std::string> m_headers;
    bool m_at_most_once = false;
};

// A reply with `status`, `content_type` and `body`.
inline scep::HttpResponse reply(long status, std::string content_type, util::ByteView body) {
    scep::HttpResponse r;
    r.status = status;
    r.content_type = std::move(content_type);
    r.body.assign(body.begin(), body.end());
    return r;
}

} // namespace test
