#include <fstream>

#include <catch2/catch.hpp>

#include "workflow/hook.hpp"
#include "test_support.hpp"

using workflow::k_seconds_per_day;

TEST_CASE("a certificate is due when it expires within --days-before days", "[renewal]") {
    constexpr std::int64_t now = 1'800'000'000;
    const auto after = [](std::int64_t seconds) { return now + seconds; };

    auto far = workflow::renewal_due(after(60 * k_seconds_per_day), now, 30);
    CHECK_FALSE(far.due);
    CHECK(far.days_left == 60);
    CHECK(far.seconds_left == 60 * k_seconds_per_day);

    CHECK(workflow::renewal_due(after(30 * k_seconds_per_day), now, 30).due);           // exactly N days left: due
    CHECK_FALSE(workflow::renewal_due(after(30 * k_seconds_per_day + 1), now, 30).due); // one second more: not yet
    auto soon = workflow::renewal_due(after(30 * k_seconds_per_day - 1), now, 30);
    CHECK(soon.due);
    CHECK(soon.days_left == 29); // rounded down

    CHECK_FALSE(workflow::renewal_due(after(1), now, 0).due); // 0: only once it has expired
    CHECK(workflow::renewal_due(after(0), now, 0).due);

    auto expired = workflow::renewal_due(after(-1), now, 0);
    CHECK(expired.due);
    CHECK(expired.days_left == -1); // one second past notAfter is day -1, not day 0
    CHECK(workflow::renewal_due(after(-k_seconds_per_day), now, 0).days_left == -1);
    CHECK(workflow::renewal_due(after(-k_seconds_per_day - 1), now, 0).days_left == -2);
    // A year of validity and --days-before 400: due at once.
    CHECK(workflow::renewal_due(after(365 * k_seconds_per_day), now, 400).due);
}

TEST_CASE("the deploy hook gets the new paths and no SCEPCTL_* variable of ours", "[renewal]") {
    const char* parent[] = {"PATH=/usr/bin:/bin",           "SCEPCTL_CHALLENGE=secret-challenge",      "HOME=/root",
                            "SCEPCTL_CERT=/stale/cert.pem", "SCEPCTL_CONFIG=/etc/scepctl/config.toml", nullptr};
    const auto env =
        workflow::hook_environment(parent, {{"SCEPCTL_CERT", "/new/cert.pem"}, {"SCEPCTL_NEW_SERIAL", "0A"}});
    CHECK(env == std::vector<std::string>{"PATH=/usr/bin:/bin", "HOME=/root", "SCEPCTL_CERT=/new/cert.pem",
                                          "SCEPCTL_NEW_SERIAL=0A"});
    CHECK(workflow::hook_environment(nullptr, {}).empty());
}

TEST_CASE("the deploy hook runs under /bin/sh with exactly that environment", "[renewal]") {
    test::TempDir dir;
    const std::string seen = (dir.path / "env").string();
    auto status = workflow::run_hook("env > '" + seen + "'; exit 7", {"SCEPCTL_CERT=/new/cert.pem", "ONLY=this"});
    REQUIRE(status);
    CHECK(*status == 7);
    std::ifstream in(seen);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("SCEPCTL_CERT=/new/cert.pem\n") != std::string::npos);
    CHECK(text.find("ONLY=this\n") != std::string::npos);
    CHECK(text.find("SCEPCTL_CHALLENGE") == std::string::npos);

    auto ok = workflow::run_hook("true", {});
    REQUIRE(ok);
    CHECK(*ok == 0);
    auto killed = workflow::run_hook("kill -TERM $$", {});
    REQUIRE(killed);
    CHECK(*killed == 128 + 15);
}
