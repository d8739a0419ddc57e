#include <algorithm>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "store/atomic_file.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using util::as_bytes;

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
    CHECK(refused.error().code == util::ErrorCode::file);
    CHECK(refused.error().message.find("--force") != std::string::npos);
    CHECK(slurp(file) == "old");
    CHECK(dir.entries() == 1);

    REQUIRE(store::write_file_atomic(file, as_bytes("new"), 0644, store::Overwrite::replace));
    CHECK(slurp(file) == "new");
    CHECK(dir.entries() == 1);
}

TEST_CASE("atomic write into a missing directory fails cleanly", "[store]") {
    TempDir dir;
    auto result =
        store::write_file_atomic(dir.path / "missing" / "x.pem", as_bytes("x"), 0644, store::Overwrite::refuse);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == util::ErrorCode::file);
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
    CHECK(too_big.error().code == util::ErrorCode::file);
    CHECK_FALSE(store::read_file(dir.path / "nope"));
}

TEST_CASE("check_new_files finds missing directories and existing files before any work", "[store]") {
    TempDir dir;
    const auto existing = dir.path / "cert.pem";
    REQUIRE(store::write_file_atomic(existing, as_bytes("old"), 0644, store::Overwrite::refuse));
    CHECK(store::check_new_files({dir.path / "key.pem", dir.path / "chain.pem"}, store::Overwrite::refuse));

    auto exists = store::check_new_files({dir.path / "key.pem", existing}, store::Overwrite::refuse);
    REQUIRE_FALSE(exists);
    CHECK(exists.error().code == util::ErrorCode::file);
    CHECK(exists.error().message.find("cert.pem' already exists (use --force") != std::string::npos);
    CHECK(store::check_new_files({existing}, store::Overwrite::replace));

    auto missing = store::check_new_files({dir.path / "nope" / "key.pem"}, store::Overwrite::replace);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("/nope' for '") != std::string::npos);
    CHECK(dir.entries() == 1); // checking wrote nothing
}

TEST_CASE("a missing last directory is made with the mode asked for, never more", "[store]") {
    TempDir dir;
    UmaskScope umask(0077); // the mode is exact, whatever the umask
    // Where a key goes: 0700.
    auto made = store::make_last_directory(dir.path / "keys" / "key.pem", 0700);
    REQUIRE(made);
    CHECK(*made);
    CHECK(mode_of(dir.path / "keys") == 0700);
    // Certificates only: 0755, through check_new_files.
    REQUIRE(store::check_new_files({dir.path / "certs" / "ca.pem"}, store::Overwrite::refuse, 0755));
    CHECK(mode_of(dir.path / "certs") == 0755);
    // An existing directory is left as it is.
    fs::permissions(dir.path / "certs", fs::perms(0750));
    made = store::make_last_directory(dir.path / "certs" / "x.pem", 0700);
    REQUIRE(made);
    CHECK_FALSE(*made);
    CHECK(mode_of(dir.path / "certs") == 0750);
    // Only the last component: a missing parent is an error that says so, and nothing is made.
    auto deep = store::check_new_files({dir.path / "a" / "b" / "key.pem"}, store::Overwrite::refuse, 0700);
    REQUIRE_FALSE(deep);
    CHECK(deep.error().code == util::ErrorCode::file);
    CHECK(deep.error().message.find("nor its parent") != std::string::npos);
    CHECK(deep.error().fix.find("only the last directory") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path / "a"));
    // Without the option nothing is made (renew's files must already be there).
    CHECK_FALSE(store::check_new_files({dir.path / "plain" / "key.pem"}, store::Overwrite::refuse));
    CHECK_FALSE(fs::exists(dir.path / "plain"));
    // Standard output is no directory.
    CHECK(store::check_new_files({"-", "/dev/stdout"}, store::Overwrite::refuse, 0755));
}

TEST_CASE("a link where the directory should be is never followed nor replaced", "[store][hostile]") {
    TempDir dir;
    fs::create_directory(dir.path / "elsewhere");
    fs::create_directory_symlink(dir.path / "missing-target", dir.path / "dangling");
    // A dangling link: mkdirat does not follow it, so nothing is made at its target.
    auto dangling = store::check_new_files({dir.path / "dangling" / "key.pem"}, store::Overwrite::refuse, 0700);
    CHECK_FALSE(dangling);
    CHECK_FALSE(fs::exists(dir.path / "missing-target"));
    CHECK(fs::is_symlink(dir.path / "dangling"));
}

// ---------------------------------------------------------------- hostile directories
// The tests run as root, in directories "someone else" (test::k_other_uid) could write to: every
// entry is reached relative to the directory and never followed.

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A root-owned file outside the directory under test, which nothing may change.
struct Victim {
    fs::path path;
    explicit Victim(const fs::path& dir) : path(dir / "victim") {
        test::write_file(path, as_bytes("root:x:0:0::/root:/bin/sh\n"));
        ::chmod(path.c_str(), 0644);
    }
    bool intact() const {
        struct stat st {};
        return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 && st.st_gid == 0 &&
               (st.st_mode & 07777) == 0644 && slurp(path) == "root:x:0:0::/root:/bin/sh\n";
    }
};

void make_fifo(const fs::path& path) {
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
}

} // namespace

TEST_CASE("check_new_files refuses a link at an output path, dangling or not, with and without --force",
          "[store][hostile]") {
    TempDir dir;
    const Victim victim(dir.path);
    const auto out = dir.path / "out";
    fs::create_directory(out);
    fs::create_symlink(dir.path / "nowhere", out / "cert.pem"); // dangling
    fs::create_symlink(victim.path, out / "key.pem");           // to a file that exists
    for (const auto overwrite : {store::Overwrite::refuse, store::Overwrite::replace}) {
        for (const char* name : {"cert.pem", "key.pem"}) {
            auto checked = store::check_new_files({out / name}, overwrite);
            REQUIRE_FALSE(checked);
            CHECK(checked.error().code == util::ErrorCode::file);
            CHECK(checked.error().message.find(std::string(name) + "' is a symbolic link: scepctl never follows, "
                                                                   "writes through or replaces a link") !=
                  std::string::npos);
        }
    }
    fs::create_directory(out / "chain.pem");
    make_fifo(out / "ca.pem");
    auto directory = store::check_new_files({out / "chain.pem"}, store::Overwrite::replace);
    REQUIRE_FALSE(directory);
    CHECK(directory.error().message.find("chain.pem' is a directory, not a regular file") != std::string::npos);
    auto fifo = store::check_new_files({out / "ca.pem"}, store::Overwrite::replace);
    REQUIRE_FALSE(fifo);
    CHECK(fifo.error().message.find("ca.pem' is a FIFO, not a regular file") != std::string::npos);
    CHECK(fs::is_symlink(out / "cert.pem"));
    CHECK(victim.intact());
}

TEST_CASE("check_new_files finds a directory the user may not write to", "[store][hostile]") {
    REQUIRE(::geteuid() == 0); // the tests run as root: "another user" is test::k_other_uid
    TempDir dir;
    ::chmod(dir.path.c_str(), 0755);
    const auto readonly = dir.path / "readonly";
    fs::create_directory(readonly);
    ::chmod(readonly.c_str(), 0755); // root's: others may enter, not write
    const auto writable = dir.path / "writable";
    fs::create_directory(writable);
    REQUIRE(::chown(writable.c_str(), test::k_other_uid, test::k_other_gid) == 0);
    CHECK(test::as_other_user([&] {
        auto refused = store::check_new_files({readonly / "cert.pem"}, store::Overwrite::refuse);
        return !refused && refused.error().code == util::ErrorCode::file &&
               refused.error().message.find("cannot write to directory '" + readonly.string() + "' for '") !=
                   std::string::npos &&
               refused.error().message.find("Permission denied") != std::string::npos &&
               store::check_new_files({writable / "cert.pem"}, store::Overwrite::refuse);
    }));
    CHECK(store::check_new_files({readonly / "cert.pem"}, store::Overwrite::refuse)); // root may
}

TEST_CASE("atomic write never writes through nor replaces a link at the target", "[store][hostile]") {
    TempDir dir;
    const Victim victim(dir.path);
    const auto out = dir.path / "out";
    fs::create_directory(out);
    fs::create_symlink(victim.path, out / "key.pem");
    for (const auto overwrite : {store::Overwrite::refuse, store::Overwrite::replace}) {
        auto written = store::write_file_atomic(out / "key.pem", as_bytes("secret"), 0600, overwrite);
        REQUIRE_FALSE(written);
        CHECK(written.error().message.find("is a symbolic link") != std::string::npos);
    }
    store::FileSet set;
    set.add(out / "cert.pem", util::Bytes{'c'}, 0644);
    set.add(out / "key.pem", util::Bytes{'k'}, 0600);
    REQUIRE_FALSE(set.commit(store::Overwrite::replace));
    CHECK(fs::is_symlink(out / "key.pem"));
    CHECK(names_in(out) == std::vector<std::string>{"key.pem"}); // no cert.pem, no temp directory
    CHECK(victim.intact());
}

TEST_CASE("a new file is made in a private directory, owner and mode set before it has its name", "[store][hostile]") {
    REQUIRE(::geteuid() == 0);
    TempDir dir;
    ::chmod(dir.path.c_str(), 0755);
    auto parent = store::DirEntry::open(dir.path / "key.pem");
    REQUIRE(parent);
    auto temp = store::PrivateDir::create_temp(parent->dir.get(), dir.path, "key.pem");
    REQUIRE(temp);
    const fs::path temp_path = temp->path();
    CHECK(temp_path.filename().string().rfind(".key.pem.tmp.", 0) == 0);
    CHECK(temp_path.filename().string().size() == std::string(".key.pem.tmp.").size() + 6);
    CHECK(mode_of(temp_path) == 0700);
    auto written = temp->write("key.pem", as_bytes("secret"), 0600, store::Owner{test::k_other_uid, test::k_other_gid});
    REQUIRE(written);
    CHECK(*written);
    struct stat st {};
    REQUIRE(::stat((temp_path / "key.pem").c_str(), &st) == 0);
    CHECK(st.st_uid == test::k_other_uid);
    CHECK(st.st_gid == test::k_other_gid);
    CHECK((st.st_mode & 07777) == 0600);
    // Its owner cannot reach it there: the private directory is root's and 0700.
    CHECK(test::as_other_user([&] { return ::access((temp_path / "key.pem").c_str(), F_OK) != 0; }));

    REQUIRE(temp->move_out("key.pem", parent->dir.get(), "key.pem", dir.path / "key.pem", store::Overwrite::refuse));
    CHECK(slurp(dir.path / "key.pem") == "secret");
    REQUIRE(temp->write("key.pem", as_bytes("other"), 0600));
    auto refused =
        temp->move_out("key.pem", parent->dir.get(), "key.pem", dir.path / "key.pem", store::Overwrite::refuse);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("already exists (use --force") != std::string::npos);
    temp->remove();
    CHECK(names_in(dir.path) == std::vector<std::string>{"key.pem"});
    CHECK(slurp(dir.path / "key.pem") == "secret");
}

TEST_CASE("a private directory someone swapped in is not used", "[store][hostile]") {
    REQUIRE(::geteuid() == 0);
    TempDir dir;
    const auto theirs = dir.path / "key.pem.scepctl-new";
    fs::create_directory(theirs);
    REQUIRE(::chown(theirs.c_str(), test::k_other_uid, test::k_other_gid) == 0);
    auto parent = store::DirEntry::open(dir.path / "key.pem");
    REQUIRE(parent);
    auto existing = store::PrivateDir::open_existing(parent->dir.get(), dir.path, "key.pem.scepctl-new");
    REQUIRE_FALSE(existing);
    CHECK(existing.error().message.find("is a directory owned by uid 65534, not a directory scepctl made") !=
          std::string::npos);
    auto created = store::PrivateDir::create(parent->dir.get(), dir.path, "key.pem.scepctl-new");
    REQUIRE_FALSE(created);
    CHECK(created.error().message.find("is in the way") != std::string::npos);
    CHECK(fs::is_directory(theirs)); // left alone
}

TEST_CASE("read_regular_file never follows a link and never waits on a FIFO", "[store][hostile]") {
    TempDir dir;
    const Victim victim(dir.path);
    fs::create_symlink(victim.path, dir.path / "key.pem");
    make_fifo(dir.path / "cert.pem");
    test::write_file(dir.path / "chain.pem", as_bytes("chain"));
    auto link = store::read_regular_file(dir.path / "key.pem");
    REQUIRE_FALSE(link);
    CHECK(link.error().code == util::ErrorCode::file);
    CHECK(link.error().message.find("key.pem' is a symbolic link") != std::string::npos);
    auto fifo = store::read_regular_file(dir.path / "cert.pem");
    REQUIRE_FALSE(fifo);
    CHECK(fifo.error().message.find("cert.pem' is a FIFO, not a regular file") != std::string::npos);
    auto chain = store::read_regular_file(dir.path / "chain.pem");
    REQUIRE(chain);
    CHECK(util::as_chars(*chain) == "chain");
    auto missing = store::read_regular_file(dir.path / "none.pem");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("cannot open '" + (dir.path / "none.pem").string() + "'") != std::string::npos);
    // The directory itself may be reached through a link (the administrator chose it).
    fs::create_directory_symlink(dir.path, dir.path / "via-link");
    CHECK(store::read_regular_file(dir.path / "via-link" / "chain.pem"));
}

TEST_CASE("read_own_file trusts only a regular 0600 file of the effective user's with one link", "[store][hostile]") {
    REQUIRE(::geteuid() == 0);
    TempDir dir;
    const Victim victim(dir.path);
    const auto own = dir.path / "key.pem.scepctl-pending";
    auto absent = store::read_own_file(own, "pending key");
    REQUIRE(absent);
    CHECK_FALSE(*absent);
    REQUIRE(store::write_file_atomic(own, as_bytes("key"), 0600, store::Overwrite::refuse));
    auto read = store::read_own_file(own, "pending key");
    REQUIRE(read);
    REQUIRE(*read);
    CHECK(util::as_chars(**read) == "key");

    const auto refused = [&dir](const fs::path& path, const std::string& why) {
        auto result = store::read_own_file(path, "pending key");
        REQUIRE_FALSE(result);
        CHECK(result.error().code == util::ErrorCode::file);
        CHECK(result.error().message.find("the pending key '" + path.string() + "' " + why +
                                          ": scepctl trusts only a file it wrote itself, so nothing was read or "
                                          "changed") != std::string::npos);
        CHECK(result.error().message.find('\n') == std::string::npos);
    };
    ::chmod(own.c_str(), 0644);
    refused(own, "has mode 0644, not 0600");
    ::chmod(own.c_str(), 0600);
    REQUIRE(::chown(own.c_str(), test::k_other_uid, test::k_other_gid) == 0);
    refused(own, "belongs to uid 65534, not to uid 0 that runs scepctl");
    REQUIRE(::chown(own.c_str(), 0, 0) == 0);
    REQUIRE(::link(own.c_str(), (dir.path / "second-name").c_str()) == 0);
    refused(own, "has 2 hard links, not one");
    fs::remove(dir.path / "second-name");
    fs::remove(own);
    fs::create_symlink(victim.path, own);
    refused(own, "is a symbolic link");
    fs::remove(own);
    make_fifo(own); // O_NONBLOCK: refused at once, never waited on
    refused(own, "is a FIFO");
    CHECK(victim.intact());
}

TEST_CASE("stale temp files of ours are removed, anything else with such a name is left and reported",
          "[store][hostile]") {
    REQUIRE(::geteuid() == 0);
    TempDir dir;
    const Victim victim(dir.path);
    const auto out = dir.path / "out";
    fs::create_directory(out);
    // What killed runs of this and older versions leave: a file (.NAME.tmp.XXXXXX, 0600, a key
    // inside), a private directory with a file in it, a backup temp.
    test::write_file(out / ".key.pem.tmp.AbCdEf", as_bytes("stale key"));
    ::chmod((out / ".key.pem.tmp.AbCdEf").c_str(), 0600);
    fs::create_directory(out / ".cert.pem.tmp.Xy12Z9");
    ::chmod((out / ".cert.pem.tmp.Xy12Z9").c_str(), 0700);
    test::write_file(out / ".cert.pem.tmp.Xy12Z9" / "cert.pem", as_bytes("stale cert"));
    test::write_file(out / "key.pem.bak.scepctl-tmp", as_bytes("stale backup"));
    // Not ours: someone else's file, a link (never followed), and names of other files or of
    // another shape.
    test::write_file(out / ".key.pem.tmp.Other1", as_bytes("theirs"));
    REQUIRE(::chown((out / ".key.pem.tmp.Other1").c_str(), test::k_other_uid, test::k_other_gid) == 0);
    fs::create_symlink(victim.path, out / ".key.pem.tmp.Link11");
    fs::create_symlink(victim.path, out / "cert.pem.bak.scepctl-tmp");
    for (const char* name : {".key.pem.tmp.abc", ".other.pem.tmp.AbCdEf", "key.pem.tmp.AbCdEf", ".key.pem.tmp.AbCdE!"})
        test::write_file(out / name, as_bytes("unrelated"));

    auto stale = store::remove_stale_temp_files({out / "key.pem", out / "cert.pem", out / "chain.pem"});
    REQUIRE(stale);
    std::vector<std::string> removed;
    for (const auto& path : stale->removed)
        removed.push_back(path.filename().string());
    std::sort(removed.begin(), removed.end());
    CHECK(removed ==
          std::vector<std::string>{".cert.pem.tmp.Xy12Z9", ".key.pem.tmp.AbCdEf", "key.pem.bak.scepctl-tmp"});
    REQUIRE(stale->kept.size() == 3);
    std::string kept;
    for (const auto& line : stale->kept)
        kept += line + "\n";
    CHECK(kept.find(".key.pem.tmp.Other1' alone: it has the name of a scepctl temp file but belongs to uid 65534") !=
          std::string::npos);
    CHECK(kept.find(".key.pem.tmp.Link11' alone: it has the name of a scepctl temp file but is a symbolic link") !=
          std::string::npos);
    CHECK(kept.find("cert.pem.bak.scepctl-tmp' alone") != std::string::npos);
    CHECK(names_in(out) == std::vector<std::string>{".key.pem.tmp.AbCdE!", ".key.pem.tmp.Link11", ".key.pem.tmp.Other1",
                                                    ".key.pem.tmp.abc", ".other.pem.tmp.AbCdEf",
                                                    "cert.pem.bak.scepctl-tmp", "key.pem.tmp.AbCdEf"});
    CHECK(victim.intact());
    // A directory that is not there has nothing stale in it.
    CHECK(store::remove_stale_temp_files({dir.path / "missing" / "key.pem"}));
}
