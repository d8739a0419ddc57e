// diag::run_kerberos_checks, the checks that need no KDC: the configuration and the allowed
// domains, with a fake transport (nothing may be sent) and a fake clock.
#include <catch2/catch.hpp>

#include "diag/kerberos_checks.hpp"
#include "fake_collaborators.hpp"

namespace {

using config::Command;
using diag::CheckStatus;

struct Walk {
    test::Fakes fakes;
    diag::Report report{fakes.clock, util::ErrorCode::http_auth};

    void run(const config::CommandLine& line) {
        auto plan = diag::plan_kerberos_checks(test::resolve_options(Command::check_kerberos, line));
        if (!plan) FAIL(plan.error().message);
        diag::run_kerberos_checks(*plan, fakes.with, report);
    }
    const diag::CheckResult& result(const std::string& id) const {
        for (const auto& r : report.results()) {
            if (r.id == id) return r;
        }
        FAIL("no check " + id);
        throw std::logic_error("unreachable");
    }
};

} // namespace

TEST_CASE("check-kerberos: a lower-case realm fails the configuration check; nothing else runs", "[kerberos-checks]") {
    // --realm itself must be upper case (the option table refuses it); without one the realm is
    // the service user's, which the walk checks.
    Walk walk;
    walk.run({{"challenge-url", {"https://ndes.corp.example.com/certsrv/mscep_admin/"}},
              {"service-user", {"svc-ndes@corp.example.com"}},
              {"use-ccache", {}},
              {"allowed-domain", {"corp.example.com"}}});
    const auto& config = walk.result("config");
    CHECK(config.status == CheckStatus::fail);
    CHECK_THAT(config.summary, Catch::Contains("'corp.example.com' is not upper case"));
    CHECK_THAT(config.fix, Catch::Contains("CORP.EXAMPLE.COM"));
    for (const char* id : {"allowed-domains", "dns", "kdc", "tgt", "clock", "service-ticket", "http-probe", "negotiate",
                           "challenge-page"}) {
        INFO(id);
        CHECK(walk.result(id).status == CheckStatus::skip);
    }
    CHECK(walk.fakes.transports.replay.requests.empty());
    REQUIRE_FALSE(walk.report.outcome());
    CHECK(walk.report.outcome().error().code == util::ErrorCode::http_auth);
}

TEST_CASE("check-kerberos: a page outside the allowed domains fails allowed-domains and gets no token",
          "[kerberos-checks]") {
    Walk walk;
    // .invalid never resolves (RFC 6761): the walk stops at dns, before any KDC or HTTP request.
    walk.run({{"challenge-url", {"https://ndes.corp.invalid/certsrv/mscep_admin/"}},
              {"realm", {"CORP.EXAMPLE.COM"}},
              {"use-ccache", {}},
              {"allowed-domain", {"corp.example.com"}}});
    CHECK(walk.result("config").status == CheckStatus::pass);
    const auto& allowed = walk.result("allowed-domains");
    CHECK(allowed.status == CheckStatus::fail);
    CHECK_THAT(allowed.summary, Catch::Contains("ndes.corp.invalid is outside the allowed domains"));
    CHECK_THAT(allowed.evidence, Catch::Contains("allowed: corp.example.com"));
    CHECK_THAT(allowed.fix, Catch::Contains("allowed_domains"));
    CHECK(walk.result("negotiate").status == CheckStatus::skip);
    for (const auto& request : walk.fakes.transports.replay.requests) {
        INFO(request.url);
        CHECK(request.extra_headers.empty()); // no Authorization: Negotiate to that host
        CHECK(request.auth == scep::HttpAuth::none);
    }
}

TEST_CASE("check-kerberos: a page inside the allowed domains passes allowed-domains", "[kerberos-checks]") {
    Walk walk;
    walk.run({{"challenge-url", {"https://ndes.corp.example.invalid/certsrv/mscep_admin/"}},
              {"realm", {"CORP.EXAMPLE.INVALID"}},
              {"use-ccache", {}},
              {"allowed-domain", {"corp.example.invalid"}}});
    CHECK(walk.result("allowed-domains").status == CheckStatus::pass);
    CHECK(walk.result("dns").status == CheckStatus::fail); // and .invalid does not resolve
}

namespace {

// A --all walk against localhost whose unauthenticated probe of the page gets `www_authenticate`
// in a 401 (the fake transport answers; no KDC is needed for the checks asserted).
const diag::CheckResult& probe_with(Walk& walk, const std::string& www_authenticate) {
    scep::HttpResponse response;
    response.status = 401;
    response.content_type = "text/html";
    response.www_authenticate = www_authenticate;
    walk.fakes.transports.replay.replies.push_back(response);
    walk.run({{"challenge-url", {"http://localhost:1/certsrv/mscep_admin/"}},
              {"realm", {"EXAMPLE.INVALID"}},
              {"use-ccache", {}},
              {"all", {}},
              {"allowed-domain", {"localhost"}}});
    return walk.result("http-probe");
}

} // namespace

TEST_CASE("check-kerberos: NTLM offered before Negotiate warns and names the IIS providers setting",
          "[kerberos-checks]") {
    Walk walk;
    const auto& probe = probe_with(walk, "NTLM, Negotiate");
    INFO(probe.summary);
    CHECK(probe.status == CheckStatus::warn);
    CHECK_THAT(probe.summary, Catch::Contains("offers ntlm before Negotiate"));
    CHECK_THAT(probe.fix, Catch::Contains("Windows Authentication > Providers: move Negotiate to the top"));
}

TEST_CASE("check-kerberos: Negotiate first passes; Negotiate missing fails", "[kerberos-checks]") {
    Walk first;
    CHECK(probe_with(first, "Negotiate, NTLM").status == CheckStatus::pass);
    Walk missing;
    const auto& probe = probe_with(missing, "NTLM");
    CHECK(probe.status == CheckStatus::fail);
    CHECK_THAT(probe.fix, Catch::Contains("add Negotiate and put it first"));
}

TEST_CASE("check-kerberos: an IP address in the URL gets the advice to use the FQDN, not setspn for the IP",
          "[kerberos-checks]") {
    Walk walk;
    walk.run({{"challenge-url", {"https://127.0.0.1/certsrv/mscep_admin/"}},
              {"realm", {"EXAMPLE.INVALID"}},
              {"use-ccache", {}},
              {"allowed-domain", {"127.0.0.1"}}});
    const auto& dns = walk.result("dns");
    INFO(dns.summary);
    CHECK(dns.status == CheckStatus::warn);
    CHECK_THAT(dns.summary, Catch::Contains("by its IP address 127.0.0.1"));
    CHECK_THAT(dns.fix, Catch::Contains("use the server's FQDN in the URL"));
    CHECK_THAT(dns.fix, !Catch::Contains("setspn"));
    CHECK_THAT(dns.summary, !Catch::Contains("FQDN")); // the summary does not repeat the fix
}
