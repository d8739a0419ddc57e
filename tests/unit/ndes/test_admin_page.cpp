// ndes::fetch_challenge with Kerberos over a replaying transport that the run's SCEP requests use
// too (one connection, issue 22): Negotiate is on for the page's request only, and goes in its first request.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ndes/admin_page.hpp"
#include "replay_transport.hpp"
#include "test_support.hpp"

namespace {

const std::string k_admin_url = "http://ndes.example.test/certsrv/mscep_admin/";

scep::HttpResponse unauthorized(const std::string& offers) {
    scep::HttpResponse r = test::reply(401, "text/html", util::Bytes{});
    r.www_authenticate = offers;
    return r;
}

ndes::AdminPageAuth kerberos(std::vector<std::string>& prepared) {
    ndes::AdminPageAuth auth;
    auth.allow_insecure_auth = true;
    auth.may_send_token = [](const std::string& host) { return host == "ndes.example.test"; };
    auth.prepare_negotiate = [&prepared](const std::string& host) -> util::Result<std::string> {
        prepared.push_back(host);
        return std::string("svc@EXAMPLE.TEST, SPN HTTP/" + host);
    };
    return auth;
}

} // namespace

// The page's answer to a Kerberos request: the challenge, with the server's Negotiate reply.
scep::HttpResponse page_with_negotiate_reply() {
    scep::HttpResponse r = test::reply(200, "text/html; charset=utf-8", test::read_data("ndes/password-16.utf8.html"));
    r.www_authenticate = "Negotiate oYGfMIGcoAMKAQA=";
    return r;
}

struct Warnings final : util::EventSink {
    std::vector<std::string> lines;
    void note(const std::string&) override {}
    void warning(const std::string& text) override { lines.push_back(text); }
};

TEST_CASE("admin page: the Negotiate token goes in the page's first request, then is off for the run's next request",
          "[ndes][admin]") {
    test::ReplayTransport http;
    http.replies.push_back(page_with_negotiate_reply());
    http.replies.push_back(test::reply(200, "application/x-pki-message", util::Bytes{})); // the PKIOperation after
    std::vector<std::string> prepared;
    Warnings events;
    auto fetched = ndes::fetch_challenge(http, k_admin_url, kerberos(prepared), events);
    if (!fetched) FAIL(fetched.error().message);
    CHECK(fetched->challenge.view() == "8CE317021F690069");
    REQUIRE(http.post("http://ndes.example.test/certsrv/mscep/mscep.dll?operation=PKIOperation", util::Bytes{1},
                      "application/x-pki-message"));
    // No probe without credentials first (issue 22: one round trip fewer).
    REQUIRE(http.requests.size() == 2);
    CHECK(http.requests[0].auth == scep::HttpAuth::negotiate);
    CHECK(http.requests[1].auth == scep::HttpAuth::none); // no token to mscep.dll on the shared transport
    CHECK(prepared == std::vector<std::string>{"ndes.example.test"});
    CHECK(events.lines.empty());
}

TEST_CASE("admin page: a page that answers a Kerberos request without a Negotiate reply is flagged", "[ndes][admin]") {
    test::ReplayTransport http;
    http.replies.push_back(test::reply(200, "text/html; charset=utf-8", test::read_data("ndes/password-16.utf8.html")));
    std::vector<std::string> prepared;
    Warnings events;
    auto fetched = ndes::fetch_challenge(http, k_admin_url, kerberos(prepared), events);
    if (!fetched) FAIL(fetched.error().message);
    REQUIRE(events.lines.size() == 1);
    CHECK(events.lines[0].find("Anonymous Authentication") != std::string::npos);
}

TEST_CASE("admin page: a page that does not offer Negotiate falls back to a password with the offers of its 401",
          "[ndes][admin]") {
    test::ReplayTransport http;
    http.replies.push_back(unauthorized("Basic realm=\"ndes\""));
    http.replies.push_back(test::reply(200, "text/html; charset=utf-8", test::read_data("ndes/password-16.utf8.html")));
    std::vector<std::string> prepared;
    ndes::AdminPageAuth auth = kerberos(prepared);
    auth.username = "CONTOSO\\svc";
    auth.password = util::Secret(std::string("pw"));
    Warnings events;
    auto fetched = ndes::fetch_challenge(http, k_admin_url, auth, events);
    if (!fetched) FAIL(fetched.error().message);
    REQUIRE(http.requests.size() == 2); // no probe between the two
    CHECK(http.requests[0].auth == scep::HttpAuth::negotiate);
    CHECK(http.requests[1].auth == scep::HttpAuth::basic);
    REQUIRE_FALSE(events.lines.empty());
    CHECK(events.lines[0].find("does not offer Negotiate") != std::string::npos);
}

TEST_CASE("admin page: a host outside the allowed domains gets no request at all", "[ndes][admin]") {
    test::ReplayTransport http;
    std::vector<std::string> prepared;
    util::NullSink events;
    auto fetched =
        ndes::fetch_challenge(http, "http://other.example.org/certsrv/mscep_admin/", kerberos(prepared), events);
    REQUIRE_FALSE(fetched);
    CHECK(fetched.error().code == util::ErrorCode::config);
    CHECK(http.requests.empty());
    CHECK(prepared.empty());
}

TEST_CASE("admin page: a refused ticket leaves Negotiate off on the transport", "[ndes][admin]") {
    test::ReplayTransport http;
    http.replies.push_back(unauthorized("Negotiate"));
    http.replies.push_back(test::reply(200, "text/plain", util::Bytes{}));
    std::vector<std::string> prepared;
    util::NullSink events;
    auto fetched = ndes::fetch_challenge(http, k_admin_url, kerberos(prepared), events);
    REQUIRE_FALSE(fetched);
    CHECK(fetched.error().code == util::ErrorCode::http_auth);
    REQUIRE(http.get("http://ndes.example.test/certsrv/mscep/mscep.dll?operation=GetCACaps"));
    REQUIRE(http.requests.size() == 2);
    CHECK(http.requests[0].auth == scep::HttpAuth::negotiate);
    CHECK(http.requests[1].auth == scep::HttpAuth::none);
}
