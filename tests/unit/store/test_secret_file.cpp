// store/secret_file: secrets are read from files into wiped memory, and a file open to group or
// others gets one warning through the caller's event sink, whoever named it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "store/secret_file.hpp"
#include "test_support.hpp"

using store::check_keytab_permissions;
using store::read_secret_file;
using store::secret_permission_warning;

namespace {

void write_secret(const std::filesystem::path& path, const std::string& text, mode_t mode) {
    std::ofstream(path, std::ios::binary) << text;
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

// The warning for `path` as read_secret_file sees it: on the descriptor it reads from.
std::optional<std::string> warning_for(const std::filesystem::path& path, const char* what) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    auto warning = secret_permission_warning(fd, path.string(), what);
    ::close(fd);
    return warning;
}

// Keeps what it is told.
class RecordingSink final : public util::EventSink {
  public:
    void note(const std::string& text) override { notes.push_back(text); }
    void warning(const std::string& text) override { warnings.push_back(text); }
    std::vector<std::string> notes, warnings;
};

} // namespace

TEST_CASE("a secret file open to group or others gets one warning, whoever named it", "[secrets]") {
    test::TempDir dir;
    const auto file = dir.path / "secret";
    write_secret(file, "s3cret\n", 0600);
    CHECK_FALSE(warning_for(file, "--challenge-file"));
    write_secret(file, "s3cret\n", 0400);
    CHECK_FALSE(warning_for(file, "--challenge-file"));
    for (const mode_t mode : {0640, 0604, 0620, 0602, 0610, 0644, 0666}) {
        INFO("mode " << std::oct << mode);
        REQUIRE(::chmod(file.c_str(), mode) == 0);
        char shown[8];
        std::snprintf(shown, sizeof shown, "%04o", static_cast<unsigned>(mode));
        CHECK(warning_for(file, "[kerberos] password_file") ==
              "[kerberos] password_file: secret file " + file.string() +
                  " is readable or writable by group or others (mode " + shown + "): chmod 600 " + file.string());
    }
    // The mode of the file read, not of a name: after a swap the descriptor still shows the old file.
    REQUIRE(::chmod(file.c_str(), 0600) == 0);
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    write_secret(dir.path / "other", "x", 0644);
    std::filesystem::rename(dir.path / "other", file);
    CHECK_FALSE(secret_permission_warning(fd, file.string(), "--keytab"));
    ::close(fd);
    CHECK(warning_for(file, "--keytab"));
    // A pipe (--challenge-file <(pass show ndes)) has no permissions to speak of.
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    CHECK_FALSE(secret_permission_warning(pipe_fds[0], "/dev/fd/63", "--challenge-file"));
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
}

TEST_CASE("read_secret_file reads the content without trailing line breaks", "[secrets]") {
    test::TempDir dir;
    RecordingSink events;
    const auto file = dir.path / "pass";
    write_secret(file, "  pass word \r\n\n", 0644); // warns and reads
    auto text = read_secret_file(file.string(), "--key-pass-file", events);
    REQUIRE(text);
    CHECK(*text == "  pass word ");
    REQUIRE(events.warnings.size() == 1);
    CHECK(events.warnings[0] == "--key-pass-file: secret file " + file.string() +
                                    " is readable or writable by group or others (mode 0644): chmod 600 " +
                                    file.string());
    CHECK(events.notes.empty());
    // The warning never carries the secret.
    CHECK(events.warnings[0].find("pass word") == std::string::npos);

    write_secret(file, "\n", 0600);
    text = read_secret_file(file.string(), "--key-pass-file", events);
    REQUIRE_FALSE(text);
    CHECK(text.error().code == util::ErrorCode::usage);
    CHECK(text.error().message == "--key-pass-file: '" + file.string() + "' is empty");
    CHECK(events.warnings.size() == 1); // 0600: no new warning

    text = read_secret_file((dir.path / "missing").string(), "--p12-pass-file", events);
    REQUIRE_FALSE(text);
    CHECK(text.error().code == util::ErrorCode::file);
    CHECK(text.error().message ==
          "--p12-pass-file: cannot open '" + (dir.path / "missing").string() + "': No such file or directory");

    write_secret(file, std::string(64 * 1024, 'x'), 0600);
    text = read_secret_file(file.string(), "--challenge-file", events);
    REQUIRE(text);
    CHECK(text->size() == 64 * 1024);
    write_secret(file, std::string(64 * 1024 + 1, 'x'), 0600);
    text = read_secret_file(file.string(), "--challenge-file", events);
    REQUIRE_FALSE(text);
    CHECK(text.error().code == util::ErrorCode::file);
    CHECK(text.error().message == "--challenge-file: '" + file.string() + "' is larger than 65536 bytes");
    CHECK(events.warnings.size() == 1);
}

TEST_CASE("read_secret_file reads a pipe without a permission warning", "[secrets]") {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    REQUIRE(::write(pipe_fds[1], "from a pipe\n", 12) == 12);
    ::close(pipe_fds[1]);
    RecordingSink events;
    const auto text = read_secret_file("/dev/fd/" + std::to_string(pipe_fds[0]), "--challenge-file", events);
    ::close(pipe_fds[0]);
    REQUIRE(text);
    CHECK(*text == "from a pipe");
    CHECK(events.warnings.empty());
}

TEST_CASE("check_keytab_permissions warns about a keytab open to others, FILE: prefix or not", "[secrets]") {
    test::TempDir dir;
    const auto keytab = dir.path / "svc.keytab";
    write_secret(keytab, "\x05\x02", 0644);
    RecordingSink events;
    check_keytab_permissions(keytab.string(), "[kerberos] keytab", events);
    REQUIRE(events.warnings.size() == 1);
    CHECK(events.warnings[0] == "[kerberos] keytab: secret file " + keytab.string() +
                                    " is readable or writable by group or others (mode 0644): chmod 600 " +
                                    keytab.string());
    check_keytab_permissions("FILE:" + keytab.string(), "--keytab", events);
    REQUIRE(events.warnings.size() == 2);
    CHECK(events.warnings[1].rfind("--keytab: secret file " + keytab.string() + " is readable", 0) == 0);
    // 0600, other keytab types, and a keytab that cannot be opened (the Kerberos library names
    // that problem) give nothing.
    REQUIRE(::chmod(keytab.c_str(), 0600) == 0);
    check_keytab_permissions(keytab.string(), "--keytab", events);
    check_keytab_permissions("MEMORY:svc", "--keytab", events);
    check_keytab_permissions((dir.path / "missing.keytab").string(), "--keytab", events);
    CHECK(events.warnings.size() == 2);
    CHECK(events.notes.empty());
}
