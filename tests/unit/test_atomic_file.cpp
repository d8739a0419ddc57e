#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include "store/atomic_file.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using scep::as_bytes;

using test::mode_of;
using test::slurp;

namespace {

// The store tests also count what is in the directory: no temp file may stay behind.
struct TempDir : test::TempDir {
    std::size_t entries() const {
        return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), fs::directory_iterator()));
    }
};

// Sets the umask for one scope.
struct UmaskScope {
    mode_t old;
    explicit UmaskScope(mode_t m) : old(::umask(m)) {}
    ~UmaskScope() { ::umask(old); }
};

} // namespace

TEST_CASE("atomic write creates the file with exactly the requested mode, even under umask 000", "[store]") {
    TempDir dir;
    UmaskScope umask(0);
    const auto key = dir.path / "key.pem";
    REQUIRE(store::write_file_atomic(key, as_bytes("secret"), 0600, store::Overwrite::refuse));
    CHECK(slurp(key) == "secret");
    CHECK(mode_of(key) == 0600);
    const auto cert = dir.path / "cert.pem";
    REQUIRE(store::write_file_atomic(cert, as_bytes("cert"), 0644, store::Overwrite::refuse));
    CHECK(mode_of(cert) == 0644);
    CHECK(dir.entries() == 2); // no temp file left behind
}

TEST_CASE("atomic write never replaces without permission", "[store]") {
    TempDir dir;
    const auto file = dir.path / "cert.pem";
    REQUIRE(store::write_file_atomic(file, as_bytes("old"), 0644, store::Overwrite::refuse));
    auto refused = store::write_file_atomic(file, as_bytes("new"), 0644, store::Overwrite::refuse);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == scep::ErrorCode::file);
    CHECK(refused.error().message.find("--force") != std::string::npos);
    CHECK(slurp(file) == "old");
    CHECK(dir.entries() == 1);

    REQUIRE(store::write_file_atomic(file, as_bytes("new"), 0644, store::Overwrite::replace));
    CHECK(slurp(file) == "new");
    CHECK(dir.entries() == 1);
}

TEST_CASE("atomic write into a missing directory fails cleanly", "[store]") {
    TempDir dir;
    auto result = store::write_file_atomic(dir.path / "missing" / "x.pem", as_bytes("x"), 0644, store::Overwrite::refuse);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == scep::ErrorCode::file);
    CHECK(result.error().message.find("missing") != std::string::npos);
}

TEST_CASE("read_file enforces its size limit", "[store]") {
    TempDir dir;
    const auto file = dir.path / "f";
    REQUIRE(store::write_file_atomic(file, as_bytes("0123456789"), 0644, store::Overwrite::refuse));
    auto ok = store::read_file(file, 10);
    REQUIRE(ok);
    CHECK(ok->size() == 10);
    auto too_big = store::read_file(file, 9);
    REQUIRE_FALSE(too_big);
    CHECK(too_big.error().code == scep::ErrorCode::file);
    CHECK_FALSE(store::read_file(dir.path / "nope"));
}

TEST_CASE("check_new_files finds missing directories and existing files before any work", "[store]") {
    TempDir dir;
    const auto existing = dir.path / "cert.pem";
    REQUIRE(store::write_file_atomic(existing, as_bytes("old"), 0644, store::Overwrite::refuse));
    CHECK(store::check_new_files({dir.path / "key.pem", dir.path / "chain.pem"}, store::Overwrite::refuse));

    auto exists = store::check_new_files({dir.path / "key.pem", existing}, store::Overwrite::refuse);
    REQUIRE_FALSE(exists);
    CHECK(exists.error().code == scep::ErrorCode::file);
    CHECK(exists.error().message.find("cert.pem' already exists (use --force") != std::string::npos);
    CHECK(store::check_new_files({existing}, store::Overwrite::replace));

    auto missing = store::check_new_files({dir.path / "nope" / "key.pem"}, store::Overwrite::replace);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("/nope' for '") != std::string::npos);
    CHECK(dir.entries() == 1); // checking wrote nothing
}
