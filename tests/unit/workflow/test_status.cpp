// workflow::status against a fake clock (issue 23): fine, due, expired, key mismatch and unreadable
// certificates made by the openssl CLI, the profiles' files resolved from a configuration file,
// and the Prometheus text with its label escaping.
#include <catch2/catch.hpp>

#include "fake_collaborators.hpp"
#include "scep/certificate.hpp"
#include "test_support.hpp"
#include "workflow/status.hpp"

namespace {

namespace fs = std::filesystem;
using workflow::CertState;
using workflow::KeyMatch;

constexpr std::int64_t k_day = 86400;

// NAME.key and NAME.pem in `dir`: an RSA key and a 90-day self-signed certificate for it.
std::int64_t make_pair(const fs::path& dir, const std::string& name, const std::string& subject) {
    int status = 0;
    const std::string output =
        test::shell("cd '" + dir.string() + "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout " + name +
                        ".key -out " + name + ".pem -days 90 -subj '" + subject + "'",
                    status);
    if (status != 0) FAIL("openssl: " + output);
    auto cert = scep::Certificate::from_pem(test::slurp(dir / (name + ".pem")));
    REQUIRE(cert);
    return cert->front().not_after_unix();
}

workflow::StatusTarget target(const fs::path& dir, const std::string& cert, const std::string& key) {
    return workflow::StatusTarget{"p", dir / cert, key.empty() ? "" : (dir / key).string(), 30};
}

TEST_CASE("status: fine, due, expired, mismatch and unreadable under a fake clock", "[workflow][status]") {
    test::TempDir dir;
    const std::int64_t not_after = make_pair(dir.path, "a", "/CN=a");
    make_pair(dir.path, "b", "/CN=b");
    workflow::StatusPlan plan;
    plan.targets = {target(dir.path, "a.pem", "a.key"), target(dir.path, "a.pem", "b.key"),
                    target(dir.path, "missing.pem", "a.key"), target(dir.path, "a.pem", "")};
    test::Fakes fakes;
    const auto at = [&](std::int64_t now) {
        fakes.clock.unix_now = now;
        auto report = workflow::status(plan, fakes.with);
        REQUIRE(report);
        return std::move(report).value();
    };

    auto report = at(not_after - 60 * k_day);
    REQUIRE(report.certs.size() == 4);
    CHECK(report.certs[0].state == CertState::fine);
    CHECK(report.certs[0].key == KeyMatch::match);
    CHECK(report.certs[0].days_left == 60);
    CHECK_FALSE(report.certs[0].due);
    CHECK(report.certs[0].subject == "CN=a");
    CHECK(report.certs[1].state == CertState::mismatch);
    CHECK(report.certs[1].key == KeyMatch::mismatch);
    CHECK(report.certs[2].state == CertState::unreadable);
    CHECK_THAT(report.certs[2].problem, Catch::Contains("missing.pem"));
    CHECK(report.certs[3].key == KeyMatch::not_checked);
    CHECK(report.certs[3].state == CertState::fine);
    CHECK(report.worst() == CertState::unreadable);

    report = at(not_after - 10 * k_day);
    CHECK(report.certs[0].state == CertState::due);
    CHECK(report.certs[0].days_left == 10);
    CHECK(report.certs[0].due);

    report = at(not_after + 1);
    CHECK(report.certs[0].state == CertState::expired);
    CHECK(report.certs[0].days_left == -1);

    // The exit status comes from the worst: due alone is not a problem.
    plan.targets = {target(dir.path, "a.pem", "a.key")};
    CHECK(at(not_after - 10 * k_day).worst() == CertState::due);
    CHECK(at(not_after - 31 * k_day).worst() == CertState::fine);
}

TEST_CASE("status: the last renew run comes from the record next to the certificate", "[workflow][status]") {
    test::TempDir dir;
    const std::int64_t not_after = make_pair(dir.path, "a", "/CN=a");
    REQUIRE(store::record_renew_run(dir.path / "a.pem", 1000, 0, "renewed"));
    REQUIRE(store::record_renew_run(dir.path / "a.pem", 2000, 81, "failed"));
    workflow::StatusPlan plan;
    plan.targets = {target(dir.path, "a.pem", "a.key")};
    test::Fakes fakes;
    fakes.clock.unix_now = not_after - 60 * k_day;
    auto report = workflow::status(plan, fakes.with);
    REQUIRE(report);
    REQUIRE(report->certs[0].last_renew);
    CHECK(report->certs[0].last_renew->exit_code == 81);
    CHECK(report->certs[0].last_renew->last_success == 1000);
    const std::string text = workflow::prometheus_text(*report);
    CHECK_THAT(text, Catch::Contains("scepctl_renew_last_exit_code{profile=\"p\",cert=\"" +
                                     (dir.path / "a.pem").string() + "\",subject=\"CN=a\"} 81\n"));
    CHECK_THAT(text, Catch::Contains("} 1000\n"));
}

TEST_CASE("status: the profiles' files, resolved like renew's", "[workflow][status]") {
    test::TempDir dir;
    const fs::path config = dir.path / "config.toml";
    test::write_file(config, util::as_bytes("[ca.x]\nscep_url = \"https://ca.example/scep\"\n"
                                            "[profile.one]\nca = \"x\"\nout_dir = \"one\"\n"
                                            "[profile.two]\nca = \"x\"\ncert_out = \"/etc/c.pem\"\n"
                                            "key_out = \"handle:0x81000001\"\ndays_before = 7\n"));
    const config::CommandLine line{{"config", {config.string()}}};
    const config::Options options = test::resolve_options(config::Command::status, line);
    auto plan = workflow::plan_status(line, options, test::no_environment());
    REQUIRE(plan);
    REQUIRE(plan->targets.size() == 2);
    CHECK(plan->targets[0].profile == "one");
    CHECK(plan->targets[0].cert == dir.path / "one" / "cert.pem");
    CHECK(plan->targets[0].key_ref == (dir.path / "one" / "key.pem").string());
    CHECK(plan->targets[0].days_before == 30);
    CHECK(plan->targets[1].cert == "/etc/c.pem");
    CHECK(plan->targets[1].key_ref == "handle:0x81000001");
    CHECK(plan->targets[1].days_before == 7);
    // --profile picks; --cert replaces the profiles.
    config::CommandLine two = line;
    two["profile"] = {"two"};
    plan = workflow::plan_status(two, test::resolve_options(config::Command::status, two), test::no_environment());
    REQUIRE(plan);
    REQUIRE(plan->targets.size() == 1);
    CHECK(plan->targets[0].profile == "two");
    const config::CommandLine certs{{"cert", {"/a.pem", "/b.pem"}}};
    plan = workflow::plan_status(certs, test::resolve_options(config::Command::status, certs), test::no_environment());
    REQUIRE(plan);
    REQUIRE(plan->targets.size() == 2);
    CHECK(plan->targets[1].cert == "/b.pem");
    CHECK(plan->targets[1].key_ref.empty());
    // Nothing at all: a usage error that says what to give.
    const config::CommandLine nothing;
    auto none =
        workflow::plan_status(nothing, test::resolve_options(config::Command::status, nothing), test::no_environment());
    REQUIRE_FALSE(none);
    CHECK(none.error().code == util::ErrorCode::usage);
}

TEST_CASE("status: Prometheus label values are escaped; the file is replaced atomically", "[workflow][status]") {
    CHECK(workflow::prometheus_label_value("plain") == "plain");
    CHECK(workflow::prometheus_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
    test::TempDir dir;
    make_pair(dir.path, "q", "/CN=say \"hi\"\\/O=back\\\\slash");
    workflow::StatusPlan plan;
    plan.targets = {target(dir.path, "q.pem", "q.key")};
    plan.prometheus = dir.path / "scepctl.prom";
    test::Fakes fakes;
    fakes.clock.unix_now = 1796430345;
    auto report = workflow::status(plan, fakes.with);
    REQUIRE(report);
    const std::string text = test::slurp(dir.path / "scepctl.prom");
    CHECK(test::mode_of(dir.path / "scepctl.prom") == 0644);
    CHECK(text == workflow::prometheus_text(*report));
    INFO(text);
    // RFC 2253 writes the subject CN=say \"hi\"...; each \ and " of it is escaped once more.
    CHECK_THAT(text, Catch::Contains("subject=\"" + workflow::prometheus_label_value(report->certs[0].subject) + "\""));
    CHECK_THAT(report->certs[0].subject, Catch::Contains("\""));
    CHECK_THAT(text, Catch::Contains("\\\\\\\"hi\\\\\\\""));
    CHECK_THAT(text, Catch::Contains("# TYPE scepctl_certificate_not_after_seconds gauge\n"));
    CHECK_THAT(text, Catch::Contains("scepctl_status_timestamp_seconds 1796430345\n"));
    CHECK_THAT(text, !Catch::Contains("scepctl_renew_last_exit_code")); // no record: no sample
    // A link at the file's name is not written through.
    fs::remove(dir.path / "scepctl.prom");
    fs::create_symlink(dir.path / "q.pem", dir.path / "scepctl.prom");
    CHECK_FALSE(workflow::status(plan, fakes.with));
}

} // namespace
