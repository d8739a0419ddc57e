// store/paths: the same file under two names, distinct outputs; and the directory locks of swap.hpp.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "store/paths.hpp"
#include "store/swap.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

TEST_CASE("same_file sees one file under every spelling", "[paths]") {
    test::TempDir dir;
    const fs::path file = dir.path / "x.pem";
    test::write_file(file, util::as_bytes("x"));
    fs::create_directory(dir.path / "sub");
    CHECK(store::same_file(file, dir.path / "sub" / ".." / "x.pem"));
    CHECK(store::same_file(file, dir.path / "." / "x.pem"));
    REQUIRE(::symlink(file.c_str(), (dir.path / "link.pem").c_str()) == 0);
    CHECK(store::same_file(file, dir.path / "link.pem"));
    REQUIRE(::link(file.c_str(), (dir.path / "hard.pem").c_str()) == 0);
    CHECK(store::same_file(file, dir.path / "hard.pem"));
    // Files that do not exist yet are compared by their canonical path.
    CHECK(store::same_file(dir.path / "new.pem", dir.path / "sub" / ".." / "new.pem"));
    CHECK_FALSE(store::same_file(dir.path / "new.pem", dir.path / "other.pem"));
    CHECK_FALSE(store::same_file(file, dir.path / "new.pem"));
}

TEST_CASE("check_distinct names both options of a clash", "[paths]") {
    test::TempDir dir;
    CHECK(store::check_distinct({{"--key-out", dir.path / "k.pem"}, {"--cert-out", dir.path / "c.pem"}}));
    const auto clash = store::check_distinct({{"--key-out", dir.path / "k.pem"},
                                              {"--cert-out", dir.path / "c.pem"},
                                              {"--chain-out", dir.path / "sub" / ".." / "k.pem"}});
    REQUIRE_FALSE(clash);
    CHECK(clash.error().code == util::ErrorCode::usage);
    CHECK_THAT(clash.error().message,
               Catch::Matchers::StartsWith("--key-out " + (dir.path / "k.pem").string() + " and --chain-out "));
    CHECK_THAT(clash.error().message, Catch::Matchers::Contains("are the same file"));
}

TEST_CASE("lock_directories_of locks each directory once and excludes a second run", "[paths]") {
    test::TempDir dir;
    fs::create_directory(dir.path / "a");
    fs::create_directory(dir.path / "b");
    // Three files in two directories: two locks, taken without locking one directory twice.
    auto first = store::lock_directories_of(
        {dir.path / "a" / "key.pem", dir.path / "a" / "cert.pem", dir.path / "b" / ".." / "b" / "chain.pem"});
    REQUIRE(first);
    for (const char* sub : {"a", "b"}) {
        const auto second = store::lock_directories_of({dir.path / sub / "other.pem"});
        REQUIRE_FALSE(second);
        CHECK(second.error().code == util::ErrorCode::file);
        CHECK_THAT(second.error().message, Catch::Matchers::Contains("another scepctl enroll or renew"));
    }
}
