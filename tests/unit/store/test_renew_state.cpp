// The renew record next to a certificate (issue 23): what renew writes and status reads.
#include <catch2/catch.hpp>

#include "store/renew_state.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

TEST_CASE("renew state: format and parse round trip; damaged text is refused", "[store][status]") {
    const store::RenewState state{1796430345, "failed", 95, 1796000000};
    const auto parsed = store::parse_renew_state(store::format_renew_state(state));
    REQUIRE(parsed);
    CHECK(parsed->time == 1796430345);
    CHECK(parsed->outcome == "failed");
    CHECK(parsed->exit_code == 95);
    CHECK(parsed->last_success == 1796000000);
    CHECK_FALSE(store::parse_renew_state("time=1\noutcome=renewed\n"));                 // no exit_code
    CHECK_FALSE(store::parse_renew_state("time=x\noutcome=renewed\nexit_code=0\n"));    // not a number
    CHECK_FALSE(store::parse_renew_state("time=1\noutcome=maybe\nexit_code=0\n"));      // unknown outcome
    CHECK(store::parse_renew_state("time=1\noutcome=renewed\nexit_code=0\nlater=1\n")); // a newer key
}

TEST_CASE("renew state: recorded atomically with 0644; a failure keeps the last success", "[store][status]") {
    test::TempDir dir;
    const fs::path cert = dir.path / "cert.pem";
    CHECK(store::read_renew_state(cert).value() == std::nullopt);
    REQUIRE(store::record_renew_run(cert, 500, 93, "failed")); // no certificate there: no record
    CHECK_FALSE(fs::exists(dir.path / "cert.pem.scepctl-state"));
    test::write_file(cert, util::as_bytes("-----BEGIN CERTIFICATE-----\n"));
    REQUIRE(store::record_renew_run(cert, 1000, 0, "renewed"));
    CHECK(test::mode_of(dir.path / "cert.pem.scepctl-state") == 0644);
    REQUIRE(store::record_renew_run(cert, 2000, 95, "failed"));
    auto state = store::read_renew_state(cert).value();
    REQUIRE(state);
    CHECK(state->time == 2000);
    CHECK(state->exit_code == 95);
    CHECK(state->outcome == "failed");
    CHECK(state->last_success == 1000);
    REQUIRE(store::record_renew_run(cert, 3000, 0, "not_due"));
    CHECK(store::read_renew_state(cert).value()->last_success == 3000);
}

TEST_CASE("renew state: a link in its place is neither followed nor replaced", "[store][status]") {
    test::TempDir dir;
    const fs::path cert = dir.path / "cert.pem";
    test::write_file(cert, util::as_bytes("-----BEGIN CERTIFICATE-----\n"));
    test::write_file(dir.path / "target", util::as_bytes("keep"));
    fs::create_symlink(dir.path / "target", dir.path / "cert.pem.scepctl-state");
    CHECK_FALSE(store::read_renew_state(cert));
    CHECK_FALSE(store::record_renew_run(cert, 1000, 0, "renewed"));
    CHECK(test::slurp(dir.path / "target") == "keep");
    CHECK(fs::is_symlink(dir.path / "cert.pem.scepctl-state"));
}

} // namespace
