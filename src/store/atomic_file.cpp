#include "store/atomic_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace store {

namespace fs = std::filesystem;
using util::Error;
using util::ErrorCode;

namespace {

Error file_error(const std::string& what, const fs::path& path, int err) {
    return Error(ErrorCode::file, what + " '" + path.string() + "': " + std::strerror(err));
}

fs::path directory_of(const fs::path& path) {
    return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

bool same_inode(const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

const char* type_name(const struct stat& st) {
    switch (st.st_mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFLNK: return "a symbolic link";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    case S_IFCHR:
    case S_IFBLK: return "a device";
    default: return "not a regular file";
    }
}

EntryType entry_type(const struct stat& st) {
    switch (st.st_mode & S_IFMT) {
    case S_IFREG: return EntryType::regular;
    case S_IFDIR: return EntryType::directory;
    case S_IFLNK: return EntryType::symlink;
    default: return EntryType::other;
    }
}

std::string octal_mode(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

// Six random letters and digits, as mkstemp uses.
std::string random_suffix() {
    static const char k_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[6] = {};
    if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
        // Uniqueness is all a name needs (mkdirat fails on a clash and we try again).
        static unsigned counter = 0;
        const auto seed = static_cast<unsigned>(::getpid()) * 2654435761u + ++counter;
        for (std::size_t i = 0; i < sizeof bytes; ++i)
            bytes[i] = static_cast<unsigned char>(seed >> (i * 5));
    }
    std::string out;
    for (const unsigned char b : bytes)
        out += k_chars[b % 62];
    return out;
}

bool is_temp_name(const std::string& name, const std::string& target) {
    const std::string prefix = "." + target + ".tmp.";
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) return false;
    return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    });
}

// The names in a directory (without . and ..); nullopt with errno set when it cannot be read.
std::optional<std::vector<std::string>> list_directory(int dir_fd) {
    const int fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
        const int err = errno;
        ::close(fd);
        errno = err;
        return std::nullopt;
    }
    ::rewinddir(dir); // the duplicate shares its offset with dir_fd
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    return names;
}

util::Result<void> write_all(int fd, util::ByteView data, const fs::path& path) {
    std::size_t written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return file_error("cannot write", path, errno);
        }
        written += static_cast<std::size_t>(n);
    }
    return {};
}

// A regular file that already is the final name must not be a link, a directory or a FIFO: we
// never write through, nor replace, what someone else planted.
util::Result<void> check_target(const DirEntry& target) {
    SCEP_TRY(const EntryStat entry, stat_entry(target.dir.get(), target.name, target.path));
    if (entry.type == EntryType::none || entry.type == EntryType::regular) return {};
    return not_a_regular_file(target.path, entry);
}

} // namespace

util::Result<DirEntry> DirEntry::open(const fs::path& path) {
    const std::string name = path.filename().string();
    if (name.empty() || name == "." || name == "..") {
        return Error(ErrorCode::file, "'" + path.string() + "' names a directory, not a file");
    }
    DirEntry entry;
    entry.dir_path = directory_of(path);
    entry.name = name;
    entry.path = path;
    entry.dir = util::UniqueFd(::open(entry.dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!entry.dir)
        return file_error("cannot open directory", entry.dir_path, errno).context("'" + path.string() + "'");
    return entry;
}

util::Result<EntryStat> stat_entry(int dir_fd, const std::string& name, const fs::path& path) {
    EntryStat entry;
    if (::fstatat(dir_fd, name.c_str(), &entry.st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return entry;
        return file_error("cannot look at", path, errno);
    }
    entry.type = entry_type(entry.st);
    return entry;
}

Error not_a_regular_file(const fs::path& path, const EntryStat& entry) {
    if (entry.type == EntryType::symlink) {
        return Error(ErrorCode::file, "'" + path.string() +
                                          "' is a symbolic link: scepctl never follows, writes through or replaces a "
                                          "link it did not create (nothing was changed); remove the link or give "
                                          "the path of the file itself");
    }
    return Error(ErrorCode::file, "'" + path.string() + "' is " + type_name(entry.st) +
                                      ", not a regular file: nothing was read or changed; remove it or give "
                                      "another path");
}

util::Result<std::optional<OpenFile>> open_regular(int dir_fd, const std::string& name, const fs::path& path) {
    // A look first, so that no device or FIFO is ever opened; O_NOFOLLOW|O_NONBLOCK in case the
    // name changes in between, and the inode must be the one we looked at.
    SCEP_TRY(const EntryStat entry, stat_entry(dir_fd, name, path));
    if (entry.type == EntryType::none) return std::optional<OpenFile>();
    if (entry.type != EntryType::regular) return not_a_regular_file(path, entry);
    OpenFile file;
    file.fd = util::UniqueFd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!file.fd) {
        if (errno == ELOOP) return not_a_regular_file(path, EntryStat{EntryType::symlink, {}});
        return file_error("cannot open", path, errno);
    }
    if (::fstat(file.fd.get(), &file.st) != 0) return file_error("cannot look at", path, errno);
    if (!S_ISREG(file.st.st_mode)) return not_a_regular_file(path, EntryStat{entry_type(file.st), file.st});
    if (!same_inode(file.st, entry.st)) {
        return Error(ErrorCode::file, "'" + path.string() +
                                          "' was replaced while scepctl opened it: nothing was "
                                          "changed; find out who changes files in its directory");
    }
    return std::optional<OpenFile>(std::move(file));
}

util::Result<util::Bytes> read_all(int fd, const fs::path& path, std::size_t max_bytes) {
    util::Bytes data;
    unsigned char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return file_error("cannot read", path, errno);
        }
        if (n == 0) break;
        if (data.size() + static_cast<std::size_t>(n) > max_bytes) {
            return Error(ErrorCode::file,
                         "'" + path.string() + "' is larger than " + std::to_string(max_bytes) + " bytes");
        }
        data.insert(data.end(), buf, buf + n);
    }
    return data;
}

// ---------------------------------------------------------------- PrivateDir

util::Result<PrivateDir> PrivateDir::open_made(int parent_fd, const fs::path& parent_path, const std::string& name) {
    const fs::path path = parent_path / name;
    util::UniqueFd parent(::fcntl(parent_fd, F_DUPFD_CLOEXEC, 0));
    if (!parent) return file_error("cannot open directory", parent_path, errno);
    // Whoever can rename entries in the parent could have put something else there meanwhile:
    // what we use must be a directory no one but us may enter.
    const auto replaced = [&](const std::string& by) {
        return Error(ErrorCode::file, "'" + path.string() + "' was replaced by " + by +
                                          " while scepctl made it: nothing was changed; find out who changes files "
                                          "in '" +
                                          parent_path.string() + "'");
    };
    util::UniqueFd fd(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ELOOP || errno == ENOTDIR || errno == ENOENT) return replaced("something else");
        return file_error("cannot open the directory scepctl just made", path, errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return file_error("cannot look at", path, errno);
    if (st.st_uid != ::geteuid()) return replaced("someone else's directory");
    // The mode mkdir got is cut by the umask; 0700 exactly, whatever it is.
    if (::fchmod(fd.get(), 0700) != 0) return file_error("cannot set the mode of", path, errno);
    return PrivateDir(std::move(parent), parent_path, name, std::move(fd));
}

util::Result<PrivateDir> PrivateDir::create(int parent_fd, const fs::path& parent_path, const std::string& name) {
    if (::mkdirat(parent_fd, name.c_str(), 0700) != 0) {
        if (errno == EEXIST) {
            return Error(ErrorCode::file, "'" + (parent_path / name).string() +
                                              "' is in the way (someone else made it while scepctl worked): "
                                              "nothing was changed; remove it and try again");
        }
        return file_error("cannot create a temporary directory in", parent_path, errno);
    }
    return open_made(parent_fd, parent_path, name);
}

util::Result<PrivateDir> PrivateDir::create_temp(int parent_fd, const fs::path& parent_path,
                                                 const std::string& target_name) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        const std::string name = "." + target_name + ".tmp." + random_suffix();
        if (::mkdirat(parent_fd, name.c_str(), 0700) == 0) return open_made(parent_fd, parent_path, name);
        if (errno != EEXIST) return file_error("cannot create a temporary file in", parent_path, errno);
    }
    return file_error("cannot create a temporary file in", parent_path, EEXIST);
}

util::Result<std::optional<PrivateDir>> PrivateDir::open_existing(int parent_fd, const fs::path& parent_path,
                                                                  const std::string& name) {
    const fs::path path = parent_path / name;
    SCEP_TRY(const EntryStat entry, stat_entry(parent_fd, name, path));
    if (entry.type == EntryType::none) return std::optional<PrivateDir>();
    const auto foreign = [&path](const std::string& what) {
        return Error(ErrorCode::file, "'" + path.string() + "' is " + what +
                                          ", not a directory scepctl made: it is not trusted and nothing was "
                                          "changed; remove it if no scepctl of yours is running, then try again");
    };
    if (entry.type != EntryType::directory) return foreign(type_name(entry.st));
    util::UniqueFd parent(::fcntl(parent_fd, F_DUPFD_CLOEXEC, 0));
    if (!parent) return file_error("cannot open directory", parent_path, errno);
    util::UniqueFd fd(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::optional<PrivateDir>();
        if (errno == ELOOP || errno == ENOTDIR) return foreign("no longer a directory");
        return file_error("cannot open", path, errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return file_error("cannot look at", path, errno);
    if (st.st_uid != ::geteuid()) return foreign("a directory owned by uid " + std::to_string(st.st_uid));
    if ((st.st_mode & 0077) != 0) return foreign("a directory with mode " + octal_mode(st.st_mode));
    return std::optional<PrivateDir>(PrivateDir(std::move(parent), parent_path, name, std::move(fd)));
}

util::Result<bool> PrivateDir::write(const std::string& name, util::ByteView data, mode_t mode,
                                     const std::optional<Owner>& owner, Durability durability) {
    const fs::path path = this->path() / name;
    // Created 0600 whatever the umask: a key is never readable by others, not even for a moment.
    util::UniqueFd fd(::openat(m_fd.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return file_error("cannot create a temporary file in", m_parent_path, errno);
    bool owner_given = true;
    if (owner && (owner->uid != ::geteuid() || owner->gid != ::getegid())) {
        if (::fchown(fd.get(), owner->uid, owner->gid) != 0) {
            if (errno != EPERM) return file_error("cannot set the owner of", path, errno);
            owner_given = false;
        }
    }
    // After fchown, which may clear set-id bits; umask does not touch fchmod.
    if (::fchmod(fd.get(), mode) != 0) return file_error("cannot set the mode of", path, errno);
    SCEP_TRY_VOID(write_all(fd.get(), data, path));
    if (durability != Durability::cache && ::fsync(fd.get()) != 0) return file_error("cannot flush", path, errno);
    if (fd.reset() != 0) return file_error("cannot close", path, errno);
    return owner_given;
}

util::Result<void> PrivateDir::link(const std::string& name, const OpenFile& from, util::ByteView data) {
    // A hard link of the very inode we opened (not of whatever its name holds now): with
    // AT_EMPTY_PATH where we may (CAP_DAC_READ_SEARCH), else through /proc/self/fd.
    if (::linkat(from.fd.get(), "", m_fd.get(), name.c_str(), AT_EMPTY_PATH) == 0) return {};
    char proc_path[64];
    std::snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", from.fd.get());
    if (::linkat(AT_FDCWD, proc_path, m_fd.get(), name.c_str(), AT_SYMLINK_FOLLOW) == 0) return {};
    const int err = errno;
    if (err == EEXIST) return file_error("cannot link", this->path() / name, err);
    // No hard links here (or no /proc): a copy with the same content, mode and owner.
    SCEP_TRY(const bool owner_given, write(name, data, from.st.st_mode & 07777, Owner{from.st.st_uid, from.st.st_gid}));
    (void)owner_given; // a copy we may not give away stays ours, like any file we write
    return {};
}

util::Result<void> PrivateDir::move_out(const std::string& name, int dir_fd, const std::string& target,
                                        const fs::path& target_path, Overwrite overwrite) {
    if (overwrite == Overwrite::replace) {
        if (::renameat(m_fd.get(), name.c_str(), dir_fd, target.c_str()) != 0) {
            return file_error("cannot move the new file into place as", target_path, errno);
        }
        return {};
    }
    if (::renameat2(m_fd.get(), name.c_str(), dir_fd, target.c_str(), RENAME_NOREPLACE) != 0) {
        int err = errno;
        if (err == EINVAL || err == ENOSYS) { // no RENAME_NOREPLACE on this file system
            if (::linkat(m_fd.get(), name.c_str(), dir_fd, target.c_str(), 0) == 0) {
                ::unlinkat(m_fd.get(), name.c_str(), 0);
                return {};
            }
            err = errno;
        }
        if (err == EEXIST) {
            return Error(ErrorCode::file, "'" + target_path.string() + "' already exists (use --force to replace it)");
        }
        return file_error("cannot move the new file into place as", target_path, err);
    }
    return {};
}

void PrivateDir::remove() {
    if (!m_fd) return;
    // Only our own files are in it: no one else may enter it.
    if (const auto names = list_directory(m_fd.get())) {
        for (const auto& name : *names)
            ::unlinkat(m_fd.get(), name.c_str(), 0);
    }
    // Its name may have been taken over meanwhile: remove it only while it still is this one.
    struct stat mine {
    }, there{};
    if (::fstat(m_fd.get(), &mine) == 0 &&
        ::fstatat(m_parent.get(), m_name.c_str(), &there, AT_SYMLINK_NOFOLLOW) == 0 && same_inode(mine, there)) {
        ::unlinkat(m_parent.get(), m_name.c_str(), AT_REMOVEDIR);
    }
    m_fd.reset();
    m_parent.reset();
}

// ---------------------------------------------------------------- files

util::Result<void> sync_directory(int dir_fd, const fs::path& dir) {
    if (::fsync(dir_fd) != 0) return file_error("cannot flush directory", dir, errno);
    return {};
}

util::Result<void> sync_directory(const fs::path& dir) {
    util::UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd) return file_error("cannot flush directory", dir, errno);
    return sync_directory(dir_fd.get(), dir);
}

util::Result<void> write_file_atomic(const fs::path& path, util::ByteView data, mode_t mode, Overwrite overwrite,
                                     Durability durability) {
    SCEP_TRY(const DirEntry target, DirEntry::open(path));
    SCEP_TRY_VOID(check_target(target));
    SCEP_TRY(PrivateDir temp, PrivateDir::create_temp(target.dir.get(), target.dir_path, target.name));
    SCEP_TRY(const bool owner_given, temp.write(target.name, data, mode, std::nullopt, durability));
    (void)owner_given;
    SCEP_TRY_VOID(temp.move_out(target.name, target.dir.get(), target.name, path, overwrite));
    temp.remove();
    if (durability != Durability::durable) return {};
    return sync_directory(target.dir.get(), target.dir_path);
}

void FileSet::add(fs::path path, util::Bytes data, mode_t mode) {
    m_paths.push_back(std::move(path));
    m_data.push_back(std::move(data));
    m_modes.push_back(mode);
}

bool is_standard_output(const fs::path& path) {
    return path == "-" || path == "/dev/stdout";
}

util::Result<void> write_output(const fs::path& path, util::ByteView data, mode_t mode, Overwrite overwrite) {
    if (!is_standard_output(path)) return write_file_atomic(path, data, mode, overwrite);
    std::fflush(stdout); // anything already buffered goes first
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(STDOUT_FILENO, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return file_error("cannot write to standard output", path, errno);
        done += static_cast<std::size_t>(n);
    }
    return {};
}

util::Result<bool> make_last_directory(const fs::path& file, mode_t mode) {
    if (is_standard_output(file)) return false;
    const fs::path dir = directory_of(file);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) == 0 || errno != ENOENT) return false; // there: checked as it is
    fs::path name = dir.filename();
    const fs::path parent = directory_of(dir);
    if (name.empty() || name == "." || name == "..") return false;
    util::UniqueFd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent_fd) {
        const int err = errno;
        if (err != ENOENT) return file_error("cannot open directory", parent, err);
        return Error(ErrorCode::file, "directory '" + dir.string() + "' for '" + file.string() +
                                          "' does not exist, nor its parent '" + parent.string() + "'")
            .with_fix("scepctl makes only the last directory of a path: create '" + parent.string() + "' first");
    }
    if (::mkdirat(parent_fd.get(), name.c_str(), 0700) != 0) {
        if (errno == EEXIST) return false; // made by someone else meanwhile: checked as any existing one
        return file_error("cannot create directory", dir, errno);
    }
    util::UniqueFd made(::openat(parent_fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!made || ::fstat(made.get(), &st) != 0 || st.st_uid != ::geteuid()) {
        return Error(ErrorCode::file, "directory '" + dir.string() + "' was replaced right after scepctl made it")
            .with_fix("check who else writes to '" + parent.string() + "'");
    }
    if (::fchmod(made.get(), mode) != 0) return file_error("cannot set the mode of directory", dir, errno);
    SCEP_TRY_VOID(sync_directory(parent_fd.get(), parent));
    return true;
}

util::Result<void> check_new_files(const std::vector<fs::path>& paths, Overwrite overwrite,
                                   std::optional<mode_t> make_directory) {
    for (const auto& path : paths) {
        if (is_standard_output(path)) continue;
        if (make_directory) SCEP_TRY_VOID(make_last_directory(path, *make_directory));
        auto target = DirEntry::open(path);
        if (!target) {
            const fs::path dir = directory_of(path);
            std::error_code ignored;
            if (!fs::is_directory(dir, ignored)) {
                return Error(ErrorCode::file,
                             "directory '" + dir.string() + "' for '" + path.string() + "' does not exist");
            }
            return std::move(target).error();
        }
        // The effective user's right to make entries there (ACLs and read-only mounts included).
        if (::faccessat(target->dir.get(), ".", W_OK | X_OK, AT_EACCESS) != 0) {
            const int err = errno;
            return Error(ErrorCode::file, "cannot write to directory '" + target->dir_path.string() + "' for '" +
                                              path.string() + "': " + std::strerror(err) +
                                              " (nothing was sent): choose a directory this user may write to");
        }
        SCEP_TRY(const EntryStat entry, stat_entry(target->dir.get(), target->name, path));
        if (entry.type == EntryType::none) continue;
        if (entry.type != EntryType::regular) return not_a_regular_file(path, entry);
        if (overwrite == Overwrite::refuse) {
            return Error(ErrorCode::file, "'" + path.string() + "' already exists (use --force to replace it)");
        }
    }
    return {};
}

util::Result<void> FileSet::commit(Overwrite overwrite) {
    struct Staged {
        DirEntry target;
        PrivateDir temp;
        struct stat st {};
    };
    std::vector<Staged> staged; // each temp directory goes with its Staged, on every return
    staged.reserve(m_paths.size());
    for (std::size_t i = 0; i < m_paths.size(); ++i) {
        SCEP_TRY(DirEntry target, DirEntry::open(m_paths[i]));
        SCEP_TRY_VOID(check_target(target));
        SCEP_TRY(PrivateDir temp, PrivateDir::create_temp(target.dir.get(), target.dir_path, target.name));
        SCEP_TRY(const bool owner_given, temp.write(target.name, m_data[i], m_modes[i]));
        (void)owner_given;
        struct stat st {};
        if (::fstatat(temp.fd(), target.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            return file_error("cannot look at", temp.path() / target.name, errno);
        }
        staged.push_back(Staged{std::move(target), std::move(temp), st});
    }
    for (std::size_t i = 0; i < staged.size(); ++i) {
        Staged& file = staged[i];
        auto placed =
            file.temp.move_out(file.target.name, file.target.dir.get(), file.target.name, file.target.path, overwrite);
        if (!placed) {
            // Take back what this set created, so no partial set stays behind: by name, and only
            // while the name still holds the file we put there.
            if (overwrite == Overwrite::refuse) {
                for (std::size_t j = 0; j < i; ++j) {
                    struct stat there {};
                    if (::fstatat(staged[j].target.dir.get(), staged[j].target.name.c_str(), &there,
                                  AT_SYMLINK_NOFOLLOW) == 0 &&
                        same_inode(there, staged[j].st)) {
                        ::unlinkat(staged[j].target.dir.get(), staged[j].target.name.c_str(), 0);
                    }
                }
            }
            return std::move(placed).error();
        }
    }
    // Every file's data was flushed before its rename; now each directory once (not once per
    // file: key, certificate and chain usually share one), which makes every rename in it durable.
    std::vector<struct stat> synced;
    for (auto& file : staged) {
        file.temp.remove();
        struct stat dir {};
        if (::fstat(file.target.dir.get(), &dir) != 0) return file_error("cannot look at", file.target.dir_path, errno);
        if (std::any_of(synced.begin(), synced.end(), [&dir](const struct stat& d) { return same_inode(d, dir); })) {
            continue;
        }
        SCEP_TRY_VOID(sync_directory(file.target.dir.get(), file.target.dir_path));
        synced.push_back(dir);
    }
    return {};
}

util::Result<util::Bytes> read_file(const fs::path& path, std::size_t max_bytes) {
    util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return file_error("cannot open", path, errno);
    return read_all(fd.get(), path, max_bytes);
}

util::Result<util::Bytes> read_regular_file(const fs::path& path, std::size_t max_bytes) {
    SCEP_TRY(const DirEntry entry, DirEntry::open(path));
    SCEP_TRY(const std::optional<OpenFile> file, open_regular(entry.dir.get(), entry.name, path));
    if (!file) return file_error("cannot open", path, ENOENT);
    return read_all(file->fd.get(), path, max_bytes);
}

util::Result<std::optional<util::Bytes>> read_own_file(const fs::path& path, const std::string& what,
                                                       std::size_t max_bytes) {
    SCEP_TRY(const DirEntry entry, DirEntry::open(path));
    const auto untrusted = [&](const std::string& why) {
        return Error(ErrorCode::file, "the " + what + " '" + path.string() + "' " + why +
                                          ": scepctl trusts only a file it wrote itself, so nothing was read or "
                                          "changed; remove it if no scepctl of yours left it, then run again");
    };
    auto opened = open_regular(entry.dir.get(), entry.name, path);
    if (!opened) {
        // Name what it is in the words of this check.
        SCEP_TRY(const EntryStat seen, stat_entry(entry.dir.get(), entry.name, path));
        if (seen.type != EntryType::none && seen.type != EntryType::regular) {
            return untrusted(std::string("is ") + type_name(seen.st));
        }
        return std::move(opened).error();
    }
    if (!*opened) return std::optional<util::Bytes>();
    const struct stat& st = (*opened)->st;
    if (st.st_uid != ::geteuid()) {
        return untrusted("belongs to uid " + std::to_string(st.st_uid) + ", not to uid " + std::to_string(::geteuid()) +
                         " that runs scepctl");
    }
    if ((st.st_mode & 07777) != 0600) return untrusted("has mode " + octal_mode(st.st_mode) + ", not 0600");
    if (st.st_nlink != 1) return untrusted("has " + std::to_string(st.st_nlink) + " hard links, not one");
    SCEP_TRY(util::Bytes data, read_all((*opened)->fd.get(), path, max_bytes));
    return std::optional<util::Bytes>(std::move(data));
}

util::Result<StaleTempFiles> remove_stale_temp_files(const std::vector<fs::path>& paths) {
    StaleTempFiles result;
    std::vector<std::pair<fs::path, std::vector<std::string>>> by_dir; // directory, target names
    for (const auto& path : paths) {
        const fs::path dir = directory_of(path);
        auto it = std::find_if(by_dir.begin(), by_dir.end(), [&dir](const auto& d) { return d.first == dir; });
        if (it == by_dir.end()) it = by_dir.insert(by_dir.end(), {dir, {}});
        it->second.push_back(path.filename().string());
    }
    for (const auto& [dir_path, targets] : by_dir) {
        util::UniqueFd dir_fd(::open(dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir_fd) {
            if (errno == ENOENT) continue; // nothing can be left where nothing is
            return file_error("cannot open directory", dir_path, errno);
        }
        const auto all = list_directory(dir_fd.get());
        if (!all) return file_error("cannot list directory", dir_path, errno);
        std::vector<std::string> names;
        for (const auto& name : *all) {
            for (const auto& target : targets) {
                if (is_temp_name(name, target) || name == target + ".bak.scepctl-tmp") names.push_back(name);
            }
        }
        for (const auto& name : names) {
            const fs::path path = dir_path / name;
            SCEP_TRY(const EntryStat entry, stat_entry(dir_fd.get(), name, path));
            if (entry.type == EntryType::none) continue;
            const auto keep = [&](const std::string& why) {
                result.kept.push_back("left '" + path.string() +
                                      "' alone: it has the name of a scepctl temp file but " + why);
            };
            if (entry.type == EntryType::symlink) {
                keep("is a symbolic link (not followed)");
            } else if (entry.st.st_uid != ::geteuid()) {
                keep("belongs to uid " + std::to_string(entry.st.st_uid));
            } else if (entry.type == EntryType::regular) {
                if (::unlinkat(dir_fd.get(), name.c_str(), 0) == 0) result.removed.push_back(path);
            } else if (entry.type == EntryType::directory && name[0] == '.') {
                auto temp = PrivateDir::open_existing(dir_fd.get(), dir_path, name);
                if (!temp) {
                    keep("is not a directory scepctl made");
                } else if (*temp) {
                    (*temp)->remove();
                    result.removed.push_back(path);
                }
            } else {
                keep(std::string("is ") + type_name(entry.st));
            }
        }
        if (!result.removed.empty()) SCEP_TRY_VOID(sync_directory(dir_fd.get(), dir_path));
    }
    return result;
}

} // namespace store
