#include "store/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace store {

using scep::Error;
using scep::ErrorCode;

namespace {

class FileDescriptor {
public:
    explicit FileDescriptor(int fd = -1) : m_fd(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() { reset(); }
    int get() const { return m_fd; }
    int reset() {
        const int rc = m_fd >= 0 ? ::close(m_fd) : 0;
        m_fd = -1;
        return rc;
    }

private:
    int m_fd;
};

Error file_error(const std::string& what, const std::filesystem::path& path, int err) {
    return Error(ErrorCode::file, what + " '" + path.string() + "': " + std::strerror(err));
}

// Removes the temp file unless released: every early return cleans up after itself.
class TempFileGuard {
public:
    explicit TempFileGuard(std::string path) : m_path(std::move(path)) {}
    TempFileGuard(const TempFileGuard&) = delete;
    TempFileGuard& operator=(const TempFileGuard&) = delete;
    ~TempFileGuard() {
        if (!m_path.empty()) ::unlink(m_path.c_str());
    }
    void release() { m_path.clear(); }

private:
    std::string m_path;
};

// rename() that fails with EEXIST instead of replacing; link()+unlink() where the file system
// does not support RENAME_NOREPLACE.
int rename_no_replace(const char* from, const char* to) {
    if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    if (::link(from, to) != 0) return -1;
    ::unlink(from);
    return 0;
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
    return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

// Writes `data` to a new temp file next to `path` with `mode`, flushed; returns its name.
scep::Result<std::string> stage(const std::filesystem::path& path, scep::ByteView data, mode_t mode) {
    const std::filesystem::path dir = directory_of(path);
    std::string temp_name = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();

    // mkstemp creates the file 0600 whatever the umask, so a key is never readable by others,
    // not even for a moment; fchmod then sets the final mode, which umask does not touch.
    FileDescriptor fd(::mkstemp(temp_name.data()));
    if (fd.get() < 0) return file_error("cannot create a temporary file in", dir, errno);
    TempFileGuard guard(temp_name);
    if (::fchmod(fd.get(), mode) != 0) return file_error("cannot set the mode of", temp_name, errno);

    std::size_t written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(fd.get(), data.data() + written, data.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return file_error("cannot write", temp_name, errno);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return file_error("cannot flush", temp_name, errno);
    if (fd.reset() != 0) return file_error("cannot close", temp_name, errno);
    guard.release();
    return temp_name;
}

scep::Result<void> place(const std::string& temp_name, const std::filesystem::path& path, Overwrite overwrite) {
    if (overwrite == Overwrite::refuse) {
        if (rename_no_replace(temp_name.c_str(), path.c_str()) != 0) {
            const int err = errno;
            ::unlink(temp_name.c_str());
            if (err == EEXIST) {
                return Error(ErrorCode::file, "'" + path.string() + "' already exists (use --force to replace it)");
            }
            return file_error("cannot move the new file into place as", path, err);
        }
    } else if (::rename(temp_name.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp_name.c_str());
        return file_error("cannot move the new file into place as", path, err);
    }
    return {};
}

} // namespace

scep::Result<void> sync_directory(const std::filesystem::path& dir) {
    FileDescriptor dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) return file_error("cannot flush directory", dir, errno);
    return {};
}

scep::Result<void> write_file_atomic(const std::filesystem::path& path, scep::ByteView data, mode_t mode,
                                     Overwrite overwrite) {
    SCEP_TRY(const std::string temp_name, stage(path, data, mode));
    SCEP_TRY_VOID(place(temp_name, path, overwrite));
    return sync_directory(directory_of(path));
}

void FileSet::add(std::filesystem::path path, scep::Bytes data, mode_t mode) {
    m_paths.push_back(std::move(path));
    m_data.push_back(std::move(data));
    m_modes.push_back(mode);
}

scep::Result<void> check_new_files(const std::vector<std::filesystem::path>& paths, Overwrite overwrite) {
    for (const auto& path : paths) {
        const auto dir = directory_of(path);
        if (!std::filesystem::is_directory(dir)) {
            return Error(ErrorCode::file, "directory '" + dir.string() + "' for '" + path.string() + "' does not exist");
        }
        if (overwrite == Overwrite::refuse && std::filesystem::exists(path)) {
            return Error(ErrorCode::file, "'" + path.string() + "' already exists (use --force to replace it)");
        }
    }
    return {};
}

scep::Result<void> FileSet::commit(Overwrite overwrite) {
    std::vector<std::string> staged;
    const auto discard = [&staged](std::size_t from) {
        for (std::size_t i = from; i < staged.size(); ++i) ::unlink(staged[i].c_str());
    };
    for (std::size_t i = 0; i < m_paths.size(); ++i) {
        auto temp = stage(m_paths[i], m_data[i], m_modes[i]);
        if (!temp) {
            discard(0);
            return std::move(temp).error();
        }
        staged.push_back(std::move(temp).value());
    }
    for (std::size_t i = 0; i < m_paths.size(); ++i) {
        auto placed = place(staged[i], m_paths[i], overwrite);
        if (!placed) {
            discard(i + 1);
            // Take back what this set created, so no partial set stays behind.
            if (overwrite == Overwrite::refuse) {
                for (std::size_t j = 0; j < i; ++j) ::unlink(m_paths[j].c_str());
            }
            return std::move(placed).error();
        }
    }
    for (const auto& path : m_paths) SCEP_TRY_VOID(sync_directory(directory_of(path)));
    return {};
}

scep::Result<scep::Bytes> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return file_error("cannot open", path, errno);
    scep::Bytes data;
    unsigned char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return file_error("cannot read", path, errno);
        }
        if (n == 0) break;
        if (data.size() + static_cast<std::size_t>(n) > max_bytes) {
            return Error(ErrorCode::file, "'" + path.string() + "' is larger than " + std::to_string(max_bytes) + " bytes");
        }
        data.insert(data.end(), buf, buf + n);
    }
    return data;
}

} // namespace store
