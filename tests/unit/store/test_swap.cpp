#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/atomic_file.hpp"
#include "store/swap.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using util::as_bytes;

using test::mode_of;
using test::slurp;

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A directory with an "old" key/cert pair, and the "new" pair plus a chain to swap in.
struct Pair : test::TempDir {
    fs::path key = path / "key.pem", cert = path / "cert.pem", chain = path / "chain.pem";
    fs::path journal = path / "cert.pem.scepctl-journal";
    Pair() {
        test::write_file(key, as_bytes("old key"));
        ::chmod(key.c_str(), 0600);
        test::write_file(cert, as_bytes("old cert"));
        ::chmod(cert.c_str(), 0644);
    }
    std::vector<store::SwapFile> new_files() const {
        return {{key, util::Bytes(as_bytes("new key").begin(), as_bytes("new key").end()), 0600},
                {cert, util::Bytes(as_bytes("new cert").begin(), as_bytes("new cert").end()), 0644},
                {chain, util::Bytes(as_bytes("new chain").begin(), as_bytes("new chain").end()), 0644}};
    }
    bool old_pair() const { return slurp(key) == "old key" && slurp(cert) == "old cert"; }
    bool new_set() const { return slurp(key) == "new key" && slurp(cert) == "new cert" && slurp(chain) == "new chain"; }
    std::vector<fs::path> targets() const { return {key, cert, chain}; }
};

// Runs swap_files in a child process that dies (_exit, no clean-up) when it reaches `stage`, the
// way SIGKILL would stop it. True when the child did reach the stage.
bool swap_killed_at(const Pair& pair, const std::string& stage) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        auto swapped = store::swap_files(pair.journal, pair.new_files(), [&stage](std::string_view reached) {
            if (reached == stage) ::_exit(0);
        });
        ::_exit(swapped ? 1 : 2);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace

TEST_CASE("swap replaces key, certificate and chain, keeping the old pair as .bak", "[store][swap]") {
    Pair pair;
    auto swapped = store::swap_files(pair.journal, pair.new_files());
    REQUIRE(swapped);
    CHECK(pair.new_set());
    CHECK(slurp(pair.path / "key.pem.bak") == "old key");
    CHECK(slurp(pair.path / "cert.pem.bak") == "old cert");
    CHECK(swapped->backups == std::vector<fs::path>{pair.path / "key.pem.bak", pair.path / "cert.pem.bak"});
    CHECK(mode_of(pair.key) == 0600);
    CHECK(mode_of(pair.path / "key.pem.bak") == 0600);
    CHECK(mode_of(pair.chain) == 0644);
    // No journal, no staged or temp files: exactly the three files and two backups.
    CHECK(names_in(pair.path) ==
          std::vector<std::string>{"cert.pem", "cert.pem.bak", "chain.pem", "key.pem", "key.pem.bak"});

    // A second swap replaces the .bak files with the pair it replaces.
    auto again = pair.new_files();
    again[0].data = util::Bytes{'k', '3'};
    again[1].data = util::Bytes{'c', '3'};
    REQUIRE(store::swap_files(pair.journal, again));
    CHECK(slurp(pair.path / "key.pem.bak") == "new key");
    CHECK(slurp(pair.path / "cert.pem.bak") == "new cert");
    CHECK(slurp(pair.path / "chain.pem.bak") == "new chain");
    CHECK(slurp(pair.key) == "k3");
}

TEST_CASE("a swap killed at any step leaves the old pair, or a journal that recovery completes", "[store][swap]") {
    const std::vector<std::string> stages = {"staged:key.pem",   "staged:cert.pem",   "staged",
                                             "backed-up",        "journal",           "renamed:key.pem",
                                             "renamed:cert.pem", "renamed:chain.pem", "renamed"};
    for (const auto& stage : stages) {
        SECTION(stage) {
            Pair pair;
            REQUIRE(swap_killed_at(pair, stage));
            const bool committed = fs::exists(pair.journal);
            // Before the commit point nothing was touched; after it, the .bak pair is the old pair.
            CHECK(committed == (stage.rfind("staged", 0) != 0 && stage != "backed-up"));
            if (!committed) CHECK(pair.old_pair());
            if (committed) {
                CHECK(slurp(pair.path / "key.pem.bak") == "old key");
                CHECK(slurp(pair.path / "cert.pem.bak") == "old cert");
            }

            auto recovered = store::recover_swap(pair.journal, pair.targets());
            REQUIRE(recovered);
            if (committed) {
                CHECK(recovered->action == store::Recovery::rolled_forward);
                CHECK(pair.new_set());
            } else {
                CHECK(recovered->action == store::Recovery::discarded);
                CHECK(pair.old_pair());
                CHECK_FALSE(fs::exists(pair.chain));
            }
            for (const auto& target : pair.targets())
                CHECK_FALSE(fs::exists(store::staged_path(target)));
            CHECK_FALSE(fs::exists(pair.journal));

            // Recovery is idempotent: a second run finds nothing to do.
            auto second = store::recover_swap(pair.journal, pair.targets());
            REQUIRE(second);
            CHECK(second->action == store::Recovery::none);
        }
    }
}

TEST_CASE("recovery rolls back from .bak when a file changed behind the journal's back", "[store][swap]") {
    Pair pair;
    REQUIRE(swap_killed_at(pair, "renamed:key.pem"));
    REQUIRE(slurp(pair.key) == "new key");
    test::write_file(store::staged_path(pair.cert) / "cert.pem", as_bytes("damaged")); // neither new nor old
    auto recovered = store::recover_swap(pair.journal, pair.targets());
    REQUIRE(recovered);
    CHECK(recovered->action == store::Recovery::rolled_back);
    CHECK(pair.old_pair());
    CHECK_FALSE(fs::exists(pair.chain)); // it did not exist before
    CHECK_FALSE(fs::exists(pair.journal));
    CHECK_FALSE(fs::exists(store::staged_path(pair.cert)));
}

TEST_CASE("recovery refuses, naming the files, when neither the file nor its .bak is the old content",
          "[store][swap]") {
    Pair pair;
    REQUIRE(swap_killed_at(pair, "renamed:key.pem"));
    test::write_file(store::staged_path(pair.cert) / "cert.pem", as_bytes("damaged"));
    test::write_file(pair.path / "key.pem.bak", as_bytes("also damaged"));
    auto recovered = store::recover_swap(pair.journal, pair.targets());
    REQUIRE_FALSE(recovered);
    CHECK(recovered.error().code == util::ErrorCode::file);
    CHECK(recovered.error().message.find("key.pem.bak") != std::string::npos);
    CHECK(recovered.error().message.find("by hand") != std::string::npos);
    CHECK(fs::exists(pair.journal)); // kept for whoever repairs it
}

TEST_CASE("a swap that fails before its commit point leaves the targets and no staged files", "[store][swap]") {
    Pair pair;
    auto files = pair.new_files();
    files[2].path = pair.path / "missing-dir" / "chain.pem";
    auto swapped = store::swap_files(pair.journal, files);
    REQUIRE_FALSE(swapped);
    CHECK(swapped.error().code == util::ErrorCode::file);
    CHECK(pair.old_pair());
    CHECK(names_in(pair.path) == std::vector<std::string>{"cert.pem", "key.pem"});
}

TEST_CASE("the journal keeps any path and refuses damage", "[store][swap]") {
    const std::vector<store::JournalEntry> entries = {
        {"/tmp/dir with space/key%.pem", std::string(64, 'a'), std::string(64, 'b')},
        {"/tmp/new\nline/chain.pem", std::string(64, 'c'), std::nullopt},
    };
    const std::string text = store::format_journal(entries);
    auto parsed = store::parse_journal(text, "j");
    REQUIRE(parsed);
    REQUIRE(parsed->size() == 2);
    CHECK((*parsed)[0].path == entries[0].path);
    CHECK((*parsed)[0].old_sha256 == entries[0].old_sha256);
    CHECK((*parsed)[1].path == entries[1].path);
    CHECK_FALSE((*parsed)[1].old_sha256);

    for (const std::string& damaged :
         {std::string(), std::string("garbage\n"), text.substr(0, text.size() - 1),
          std::string("scepctl-renew-journal 1\n"), std::string("scepctl-renew-journal 1\nreplace xyz - /a\n"),
          std::string("scepctl-renew-journal 1\nreplace ") + std::string(64, 'a') + " - relative/path\n",
          std::string("scepctl-renew-journal 1\nreplace ") + std::string(64, 'a') + " - /bad%4\n"}) {
        auto result = store::parse_journal(damaged, "/x/cert.pem.scepctl-journal");
        REQUIRE_FALSE(result);
        CHECK(result.error().message.find("cert.pem.scepctl-journal' is damaged") != std::string::npos);
    }
}

TEST_CASE("the directory lock admits one holder at a time", "[store][swap]") {
    test::TempDir dir;
    {
        auto first = store::DirectoryLock::acquire(dir.path);
        REQUIRE(first);
        auto second = store::DirectoryLock::acquire(dir.path);
        REQUIRE_FALSE(second);
        CHECK(second.error().message.find("another scepctl enroll or renew") != std::string::npos);
    }
    CHECK(store::DirectoryLock::acquire(dir.path));
    CHECK_FALSE(store::DirectoryLock::acquire(dir.path / "missing"));
}

// ---------------------------------------------------------------- hostile directories
// The tests run as root; the pair belongs to "someone else" (test::k_other_uid), who may write to
// its directory. Nothing there is followed, and only our own journal is trusted.

namespace {

struct Victim {
    fs::path path;
    explicit Victim(const fs::path& dir) : path(dir / "victim") {
        test::write_file(path, as_bytes("root:x:0:0::/root:/bin/sh\n"));
        ::chmod(path.c_str(), 0644);
    }
    bool intact() const {
        struct stat st {};
        return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
               (st.st_mode & 07777) == 0644 && slurp(path) == "root:x:0:0::/root:/bin/sh\n";
    }
};

// The pair in a subdirectory of its own, next to the victim.
struct HostilePair : Pair {
    Victim victim{path};
    fs::path dir = path / "pair";
    HostilePair() {
        fs::create_directory(dir);
        for (auto* file : {&key, &cert, &chain}) {
            const fs::path moved = dir / file->filename();
            if (fs::exists(*file)) fs::rename(*file, moved);
            *file = moved;
        }
        journal = dir / "cert.pem.scepctl-journal";
    }
    void give_away() {
        for (const auto& file : {dir, key, cert})
            REQUIRE(::chown(file.c_str(), test::k_other_uid, test::k_other_gid) == 0);
    }
    std::string listing() const {
        std::string out;
        for (const auto& name : names_in(dir)) {
            const fs::path file = dir / name;
            out += name + " " + (fs::is_regular_file(fs::symlink_status(file)) ? slurp(file) : "(not a file)") + "\n";
        }
        return out;
    }
};

std::string sha256_of(const std::string& text) {
    int status = 0;
    test::TempDir scratch;
    test::write_file(scratch.path / "f", as_bytes(text));
    const std::string out = test::shell("sha256sum '" + (scratch.path / "f").string() + "'", status);
    return out.substr(0, 64);
}

uid_t owner_of(const fs::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

} // namespace

TEST_CASE("swap gives the new files the old owner and group on the descriptor, and follows no link",
          "[store][swap][hostile]") {
    REQUIRE(::geteuid() == 0);
    HostilePair pair;
    pair.give_away();
    // Links planted where the backups go are replaced, never written through.
    fs::create_symlink(pair.victim.path, pair.dir / "key.pem.bak");
    fs::create_symlink(pair.victim.path, pair.dir / "cert.pem.bak");
    auto swapped = store::swap_files(pair.journal, pair.new_files());
    REQUIRE(swapped);
    CHECK(swapped->warnings.empty());
    CHECK(pair.new_set());
    for (const auto& file : {pair.key, pair.cert}) {
        struct stat st {};
        REQUIRE(::lstat(file.c_str(), &st) == 0);
        CHECK(S_ISREG(st.st_mode));
        CHECK(st.st_uid == test::k_other_uid);
        CHECK(st.st_gid == test::k_other_gid);
    }
    CHECK(mode_of(pair.key) == 0600);
    CHECK(owner_of(pair.chain) == 0); // it had no owner to keep
    CHECK_FALSE(fs::is_symlink(pair.dir / "key.pem.bak"));
    CHECK(slurp(pair.dir / "key.pem.bak") == "old key");
    CHECK(slurp(pair.dir / "cert.pem.bak") == "old cert");
    CHECK(pair.victim.intact());
    CHECK(names_in(pair.dir) ==
          std::vector<std::string>{"cert.pem", "cert.pem.bak", "chain.pem", "key.pem", "key.pem.bak"});
}

TEST_CASE("a link renamed over a staged name while the swap runs never takes the place of a target",
          "[store][swap][hostile]") {
    // What the directory's owner can do between two steps of the swap (the race of
    // test_hostile_env.sh, at a known point): rename a symlink to the victim over the staged name,
    // or first move what is there aside.
    HostilePair pair;
    pair.give_away();
    const bool move_aside = GENERATE(false, true);
    const fs::path staged = store::staged_path(pair.key);
    const fs::path link = pair.dir / ".link";
    auto swapped = store::swap_files(pair.journal, pair.new_files(), [&](std::string_view stage) {
        if (stage != "staged") return;
        fs::create_symlink(pair.victim.path, link);
        if (move_aside) fs::rename(staged, pair.dir / "moved-aside");
        std::error_code ignored; // a directory cannot be renamed over
        fs::rename(link, staged, ignored);
    });
    REQUIRE(swapped);
    CHECK(fs::is_regular_file(fs::symlink_status(pair.key)));
    CHECK(pair.new_set());
    CHECK(owner_of(pair.key) == test::k_other_uid);
    CHECK(pair.victim.intact());
}

TEST_CASE("swap keeps the old mode under a mask when asked", "[store][swap]") {
    Pair pair;
    ::chmod(pair.key.c_str(), 0640);
    ::chmod(pair.cert.c_str(), 0604);
    auto files = pair.new_files();
    files[0].keep_mode_mask = 0660;
    files[1].keep_mode_mask = 0666;
    files[2].keep_mode_mask = 0666; // no old chain: its mode is the default
    REQUIRE(store::swap_files(pair.journal, files));
    CHECK(mode_of(pair.key) == 0640);
    CHECK(mode_of(pair.cert) == 0604);
    CHECK(mode_of(pair.chain) == 0644);
}

TEST_CASE("swap refuses a link or a FIFO where a target is, before anything is written", "[store][swap][hostile]") {
    HostilePair pair;
    SECTION("link") {
        fs::remove(pair.cert);
        fs::create_symlink(pair.victim.path, pair.cert);
    }
    SECTION("FIFO") {
        fs::remove(pair.chain);
        REQUIRE(::mkfifo(pair.chain.c_str(), 0644) == 0);
    }
    const std::string before = pair.listing();
    auto swapped = store::swap_files(pair.journal, pair.new_files());
    REQUIRE_FALSE(swapped);
    CHECK(swapped.error().code == util::ErrorCode::file);
    CHECK((swapped.error().message.find("is a symbolic link") != std::string::npos ||
           swapped.error().message.find("is a FIFO") != std::string::npos));
    CHECK(pair.listing() == before);
    CHECK(pair.victim.intact());
}

TEST_CASE("something planted at a staged name stops the swap and the recovery, and is left alone",
          "[store][swap][hostile]") {
    HostilePair pair;
    fs::create_symlink(pair.victim.path, store::staged_path(pair.cert));
    const std::string before = pair.listing();
    auto swapped = store::swap_files(pair.journal, pair.new_files());
    REQUIRE_FALSE(swapped);
    CHECK(swapped.error().message.find("cert.pem.scepctl-new' is in the way") != std::string::npos);
    CHECK(pair.listing() == before); // the key's staged directory is gone again
    auto recovered = store::recover_swap(pair.journal, pair.targets());
    REQUIRE_FALSE(recovered);
    CHECK(recovered.error().message.find("cert.pem.scepctl-new' is a symbolic link, not a directory scepctl made") !=
          std::string::npos);
    CHECK(fs::is_symlink(store::staged_path(pair.cert)));
    CHECK(pair.victim.intact());
}

TEST_CASE("without a journal, a staged file an older version left is ours to remove", "[store][swap]") {
    Pair pair;
    test::write_file(store::staged_path(pair.key), as_bytes("new key"));
    auto recovered = store::recover_swap(pair.journal, pair.targets());
    REQUIRE(recovered);
    CHECK(recovered->action == store::Recovery::discarded);
    CHECK(pair.old_pair());
    CHECK(names_in(pair.path) == std::vector<std::string>{"cert.pem", "key.pem"});
}

TEST_CASE("a journal that is not our own is refused and nothing is touched", "[store][swap][hostile]") {
    REQUIRE(::geteuid() == 0);
    HostilePair pair;
    // The attacker knows the victim's content, so the hashes match: the old code would roll back
    // by removing the victim (it "did not exist before" the swap), and restore cert.pem.
    const std::string victim_hash = sha256_of(slurp(pair.victim.path));
    const std::string text = "scepctl-renew-journal 1\nreplace " + victim_hash + " - " + pair.victim.path.string() +
                             "\nreplace " + std::string(64, 'a') + " " + std::string(64, 'b') + " " +
                             pair.cert.string() + "\n";
    const auto plant = [&](mode_t mode, uid_t uid) {
        fs::remove(pair.journal);
        test::write_file(pair.journal, as_bytes(text));
        ::chmod(pair.journal.c_str(), mode);
        REQUIRE(::chown(pair.journal.c_str(), uid, uid) == 0);
    };
    std::string why;
    SECTION("owned by someone else") {
        plant(0600, test::k_other_uid);
        why = "belongs to uid 65534, not to uid 0 that runs scepctl";
    }
    SECTION("readable by others") {
        plant(0644, 0);
        why = "has mode 0644, not 0600";
    }
    SECTION("a link to a journal") {
        const fs::path elsewhere = pair.path / "journal-elsewhere";
        test::write_file(elsewhere, as_bytes(text));
        ::chmod(elsewhere.c_str(), 0600);
        fs::create_symlink(elsewhere, pair.journal);
        why = "is a symbolic link";
    }
    SECTION("a FIFO") {
        REQUIRE(::mkfifo(pair.journal.c_str(), 0600) == 0);
        why = "is a FIFO";
    }
    SECTION("our own, naming a file outside this run's targets") {
        plant(0600, 0);
        why = "names '" + pair.victim.path.string() +
              "', which is not one of this renewal's key, certificate and chain files";
    }
    const std::string before = pair.listing();
    auto recovered = store::recover_swap(pair.journal, pair.targets());
    REQUIRE_FALSE(recovered);
    CHECK(recovered.error().code == util::ErrorCode::file);
    CHECK(recovered.error().message.find(why) != std::string::npos);
    CHECK(recovered.error().message.find('\n') == std::string::npos);
    CHECK(pair.listing() == before);
    CHECK(pair.victim.intact());
}

TEST_CASE("a journal names the targets by absolute path; this run may spell them otherwise", "[store][swap]") {
    Pair pair;
    REQUIRE(swap_killed_at(pair, "journal"));
    const fs::path cwd = fs::current_path();
    fs::current_path(pair.path);
    auto recovered = store::recover_swap("cert.pem.scepctl-journal", {"key.pem", "./cert.pem", "chain.pem"});
    fs::current_path(cwd);
    REQUIRE(recovered);
    CHECK(recovered->action == store::Recovery::rolled_forward);
    CHECK(pair.new_set());
}
