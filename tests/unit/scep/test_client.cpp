#include <ctime>
#include <deque>

#include <catch2/catch.hpp>

#include "scep/client.hpp"
#include "replay_transport.hpp"
#include "test_support.hpp"

using namespace scep;

namespace {

using test::ReplayTransport;

Bytes bytes_of(std::string_view text) {
    const auto view = as_bytes(text);
    return Bytes(view.begin(), view.end());
}

HttpResponse reply(long status, std::string content_type, Bytes body) {
    HttpResponse r;
    r.status = status;
    r.content_type = std::move(content_type);
    r.body.assign(body.begin(), body.end());
    return r;
}

} // namespace

TEST_CASE("operation URLs follow RFC 8894 §4.1", "[client]") {
    ReplayTransport transport;
    Client client(transport, "http://ndes.example.test/certsrv/mscep/mscep.dll");
    CHECK(client.operation_url("GetCACaps", "") ==
          "http://ndes.example.test/certsrv/mscep/mscep.dll?operation=GetCACaps");
    CHECK(client.operation_url("GetCACert", "SCEP Authority") ==
          "http://ndes.example.test/certsrv/mscep/mscep.dll?operation=GetCACert&message=SCEP%20Authority");
    Client with_query(transport, "http://h/scep?tenant=a");
    CHECK(with_query.operation_url("GetCACaps", "") == "http://h/scep?tenant=a&operation=GetCACaps");
}

TEST_CASE("GetCACaps over a replayed scepserver reply", "[client]") {
    ReplayTransport transport;
    transport.replies.push_back(reply(200, "text/plain", test::read_data("scepserver/getcacaps.txt")));
    Client client(transport, "http://127.0.0.1/scep");
    auto caps = client.get_ca_caps();
    REQUIRE(caps);
    CHECK_FALSE(caps->http_error);
    CHECK(caps->caps.scep_standard());
    REQUIRE(transport.urls.size() == 1);
    CHECK(transport.urls[0] == "http://127.0.0.1/scep?operation=GetCACaps");
}

TEST_CASE("GetCACaps: an HTTP error means no capabilities, and says why (RFC 8894 §3.5.2)", "[client]") {
    ReplayTransport transport;
    transport.replies.push_back(reply(404, "text/html", bytes_of("<html>not found</html>")));
    Client client(transport, "http://127.0.0.1/scep");
    auto caps = client.get_ca_caps();
    REQUIRE(caps);
    CHECK(caps->caps.empty());
    CHECK(caps->http_status == 404);
    REQUIRE(caps->http_error);
    CHECK(caps->http_error->code == ErrorCode::http_status);
    CHECK(caps->http_error->message.find("404") != std::string::npos);
}

TEST_CASE("GetCACaps: a 200 reply that is no capability list is an error, not empty caps", "[client]") {
    ReplayTransport transport;
    transport.replies.push_back(reply(200, "text/html", bytes_of("<html>Welcome</html>")));
    transport.replies.push_back(reply(200, "text/plain", test::read_data("openssl/getcacert-garbage.bin")));
    Client client(transport, "http://127.0.0.1/scep");
    auto page = client.get_ca_caps();
    REQUIRE_FALSE(page);
    CHECK(page.error().code == ErrorCode::bad_reply);
    auto garbage = client.get_ca_caps();
    REQUIRE_FALSE(garbage);
    CHECK(garbage.error().message.rfind("GetCACaps reply is not a capability list", 0) == 0);
}

TEST_CASE("transport failures pass through unchanged", "[client]") {
    ReplayTransport transport;
    transport.replies.push_back(Error(ErrorCode::timeout, "no answer"));
    transport.replies.push_back(Error(ErrorCode::network, "refused"));
    Client client(transport, "http://127.0.0.1/scep");
    auto caps = client.get_ca_caps();
    REQUIRE_FALSE(caps);
    CHECK(caps.error().code == ErrorCode::timeout);
    auto cert = client.get_ca_cert("", std::time(nullptr));
    REQUIRE_FALSE(cert);
    CHECK(cert.error().code == ErrorCode::network);
}

TEST_CASE("GetCACert over replayed replies", "[client]") {
    ReplayTransport transport;
    transport.replies.push_back(
        reply(200, test::read_text("scepserver/getcacert.content-type"), test::read_data("scepserver/getcacert.der")));
    transport.replies.push_back(
        reply(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-ndes.p7b")));
    transport.replies.push_back(
        reply(200, "application/x-x509-ca-ra-cert", test::read_data("openssl/getcacert-truncated.p7b")));
    Client client(transport, "http://127.0.0.1/scep");
    auto scepserver = client.get_ca_cert("ca", std::time(nullptr));
    REQUIRE(scepserver);
    CHECK(scepserver->entries.size() == 1);
    CHECK(transport.urls[0] == "http://127.0.0.1/scep?operation=GetCACert&message=ca");
    auto ndes = client.get_ca_cert("", std::time(nullptr));
    REQUIRE(ndes);
    CHECK(ndes->has_ra());
    auto truncated = client.get_ca_cert("", std::time(nullptr));
    REQUIRE_FALSE(truncated);
    CHECK(truncated.error().code == ErrorCode::bad_reply);
    CHECK(truncated.error().message.rfind("GetCACert: ", 0) == 0);
}

TEST_CASE("HTTP error statuses name the likely cause", "[client]") {
    struct Case {
        long status;
        ErrorCode code;
        const char* hint;
    };
    for (const auto& c :
         {Case{401, ErrorCode::http_auth, "authentication"}, Case{404, ErrorCode::http_status, "404.14"},
          Case{414, ErrorCode::http_status, "65534"}, Case{500, ErrorCode::http_status, "MSCEP-RA"},
          Case{503, ErrorCode::http_status, "application pool"}}) {
        INFO(c.status);
        HttpResponse response;
        response.status = c.status;
        const Error error = http_status_error("GetCACert", response);
        CHECK(error.code == c.code);
        CHECK(error.http_status == c.status);
        CHECK(error.message.find(c.hint) != std::string::npos);
        CHECK(error.message.find('\n') == std::string::npos);
    }
}
