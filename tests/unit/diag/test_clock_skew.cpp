// diag::judge_clock: which pair of clocks is apart decides the outcome (issue 18). Only the KDC
// against the web server breaks Negotiate; this host's own offset is compensated by krb5 while
// kdc_timesync is on.
#include <catch2/catch.hpp>

#include "diag/clock_skew.hpp"

using diag::CheckStatus;

TEST_CASE("clock: this host 10 minutes off KDC and web server alike warns while kdc_timesync compensates", "[clock]") {
    const auto r = diag::judge_clock({.host_minus_kdc = 600, .host_minus_web = 601, .kdc_timesync = true});
    CHECK(r.status == CheckStatus::warn);
    CHECK_THAT(r.summary, Catch::Contains("this host's clock is 600 s off the KDC's; krb5 compensates"));
    CHECK_THAT(r.summary, Catch::Contains("TLS and certificate validity checks on this host"));
    CHECK_THAT(r.fix, Catch::Contains("this host's clock"));
    CHECK_THAT(r.fix, !Catch::Contains("w32tm")); // nothing to do on the server
    CHECK_THAT(r.evidence, Catch::Contains("KDC minus web server 1 s"));
}

TEST_CASE("clock: the same offset fails when kdc_timesync is off", "[clock]") {
    const auto r = diag::judge_clock({.host_minus_kdc = 600, .host_minus_web = 600, .kdc_timesync = false});
    CHECK(r.status == CheckStatus::fail);
    CHECK_THAT(r.summary, Catch::Contains("kdc_timesync is off"));
    CHECK_THAT(r.fix, Catch::Contains("kdc_timesync = true"));
    CHECK_THAT(r.evidence, Catch::Contains("kdc_timesync off"));
}

TEST_CASE("clock: the web server 10 minutes off the KDC fails with the w32tm fix", "[clock]") {
    const auto r = diag::judge_clock({.host_minus_kdc = 2, .host_minus_web = -598, .allowed_skew = 300});
    CHECK(r.status == CheckStatus::fail);
    CHECK_THAT(r.summary, Catch::Contains("the web server's clock is 600 s off the KDC's (Kerberos allows 300 s)"));
    CHECK_THAT(r.fix, Catch::Contains("w32tm /resync /rediscover"));
}

TEST_CASE("clock: the realm's clockskew is the limit", "[clock]") {
    const auto within = diag::judge_clock({.host_minus_kdc = 0, .host_minus_web = -250, .allowed_skew = 600});
    CHECK(within.status == CheckStatus::warn); // beyond 120 s: worth fixing, not yet broken
    const auto beyond = diag::judge_clock({.host_minus_kdc = 0, .host_minus_web = -250, .allowed_skew = 200});
    CHECK(beyond.status == CheckStatus::fail);
}

TEST_CASE("clock: clocks in step pass; nothing to compare skips", "[clock]") {
    const auto r = diag::judge_clock({.host_minus_kdc = 3, .host_minus_web = 1});
    CHECK(r.status == CheckStatus::pass);
    CHECK(diag::judge_clock({}).status == CheckStatus::skip);
}

TEST_CASE("clock: with only the web server's Date, a large offset warns about both clocks", "[clock]") {
    const auto r = diag::judge_clock({.host_minus_web = 900});
    CHECK(r.status == CheckStatus::warn);
    CHECK_THAT(r.summary, Catch::Contains("KDC's time is unknown"));
    CHECK_THAT(r.fix, Catch::Contains("w32tm"));
}
