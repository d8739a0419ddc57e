#include "store/secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace store {

namespace {

constexpr std::size_t k_max_secret_bytes = 64 * 1024;

// Closes the descriptor on every return.
class OpenFile {
  public:
    explicit OpenFile(const std::string& path) : m_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)) {}
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;
    ~OpenFile() {
        if (m_fd >= 0) ::close(m_fd);
    }
    int fd() const { return m_fd; }

  private:
    int m_fd;
};

util::Error file_error(std::string_view what, const char* action, const std::string& path, int err) {
    return util::Error(util::ErrorCode::file,
                       std::string(what) + ": " + action + " '" + path + "': " + std::strerror(err));
}

} // namespace

std::optional<std::string> secret_permission_warning(int fd, const std::string& path, std::string_view what) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0) return std::nullopt;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string(what) + ": secret file " + path + " is readable or writable by group or others (mode " + mode +
           "): chmod 600 " + path;
}

util::Result<util::Secret> read_secret_file(const std::string& path, std::string_view what, util::EventSink& events) {
    const OpenFile file(path);
    if (file.fd() < 0) return file_error(what, "cannot open", path, errno);
    if (const auto warning = secret_permission_warning(file.fd(), path, what)) events.warning(*warning);
    util::Secret text;
    char buf[4096];
    // The buffer on the stack held the secret too.
    struct Wipe {
        char* data;
        std::size_t size;
        ~Wipe() { OPENSSL_cleanse(data, size); }
    } wipe_buffer{buf, sizeof buf};
    for (;;) {
        const ssize_t n = ::read(file.fd(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return file_error(what, "cannot read", path, errno);
        }
        if (n == 0) break;
        if (text.size() + static_cast<std::size_t>(n) > k_max_secret_bytes) {
            return util::Error(util::ErrorCode::file, std::string(what) + ": '" + path + "' is larger than " +
                                                          std::to_string(k_max_secret_bytes) + " bytes");
        }
        text.append(std::string_view(buf, static_cast<std::size_t>(n)));
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    if (text.empty()) return util::Error(util::ErrorCode::usage, std::string(what) + ": '" + path + "' is empty");
    return text;
}

void check_keytab_permissions(const std::string& keytab, std::string_view what, util::EventSink& events) {
    std::string path = keytab;
    if (path.rfind("FILE:", 0) == 0) {
        path.erase(0, 5);
    } else if (path.find(':') != std::string::npos) {
        return; // MEMORY:, KEYRING: and the like
    }
    const OpenFile file(path);
    if (file.fd() < 0) return;
    if (const auto warning = secret_permission_warning(file.fd(), path, what)) events.warning(*warning);
}

} // namespace store
