#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "cli/secrets.hpp"
#include "test_support.hpp"

using cli::read_secret_file;
using cli::secret_permission_warning;

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
    const cli::Output quiet({false, true, false, false});
    const auto file = dir.path / "pass";
    write_secret(file, "  pass word \r\n\n", 0644); // warns (quietly here) and reads
    auto text = read_secret_file(file.string(), "--key-pass-file", quiet);
    REQUIRE(text);
    CHECK(*text == "  pass word ");
    write_secret(file, "\n", 0600);
    text = read_secret_file(file.string(), "--key-pass-file", quiet);
    REQUIRE_FALSE(text);
    CHECK(text.error().code == util::ErrorCode::usage);
    CHECK(text.error().message == "--key-pass-file: '" + file.string() + "' is empty");
    text = read_secret_file((dir.path / "missing").string(), "--p12-pass-file", quiet);
    REQUIRE_FALSE(text);
    CHECK(text.error().code == util::ErrorCode::file);
    CHECK(text.error().message ==
          "--p12-pass-file: cannot open '" + (dir.path / "missing").string() + "': No such file or directory");
    write_secret(file, std::string(64 * 1024 + 1, 'x'), 0600);
    text = read_secret_file(file.string(), "--challenge-file", quiet);
    REQUIRE_FALSE(text);
    CHECK(text.error().message == "--challenge-file: '" + file.string() + "' is larger than 65536 bytes");
}
