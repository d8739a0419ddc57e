// Files that are either fully written or not there, and safe to write as root in a directory
// someone else may write to.
//
// Every entry of an output directory is reached relative to the directory's descriptor (openat,
// renameat, linkat, unlinkat, fstatat with AT_SYMLINK_NOFOLLOW) and never followed: a link where
// our file should be is an error, never read, written, chown'ed or chmod'ed through. The path of
// the directory itself is followed (the administrator chose it). A new file is made inside a
// private directory of our own next to its target (mode 0700, owned by the effective user, named
// .NAME.tmp.XXXXXX): owner, group and mode are set on its descriptor, the data written and
// flushed where no one else can reach the name; then one renameat moves it to its final name, and
// the directory is flushed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/types.h>

#include "util/bytes.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace store {

enum class Overwrite { refuse, replace };

// What a write guarantees after a crash (power loss), and what it pays for that in fsyncs:
//  durable   the new file, complete: its data is flushed before the rename that makes it visible,
//            its directory after it (two fsyncs);
//  contents  the old or the new file, each complete: the data is flushed before the rename, the
//            directory is not (one fsync). For a report the next run rewrites (the renew record);
//  cache     the old file, the new one, or an empty or partly written one: nothing is flushed. Only
//            for a file that is rebuilt whenever it cannot be read (--ca-cache).
enum class Durability { durable, contents, cache };

// A path split into its directory, opened, and its last component.
struct DirEntry {
    util::UniqueFd dir;
    std::filesystem::path dir_path; // for messages
    std::string name;
    std::filesystem::path path; // as the caller named it, for messages

    static util::Result<DirEntry> open(const std::filesystem::path& path);
};

// What is at a name, without following it.
enum class EntryType { none, regular, directory, symlink, other };
struct EntryStat {
    EntryType type = EntryType::none;
    struct stat st {};
};
util::Result<EntryStat> stat_entry(int dir_fd, const std::string& name, const std::filesystem::path& path);

// The error for finding `entry` where a regular file of ours should be: names what it is, says
// that scepctl does not follow or replace it and what to do.
util::Error not_a_regular_file(const std::filesystem::path& path, const EntryStat& entry);

// An existing regular file opened for reading (O_NOFOLLOW|O_NONBLOCK, so neither a link nor a
// FIFO is followed or waited on); nullopt when nothing is there, an error for anything else.
struct OpenFile {
    util::UniqueFd fd;
    struct stat st {};
};
util::Result<std::optional<OpenFile>> open_regular(int dir_fd, const std::string& name,
                                                   const std::filesystem::path& path);
util::Result<util::Bytes> read_all(int fd, const std::filesystem::path& path, std::size_t max_bytes);

struct Owner {
    uid_t uid;
    gid_t gid;
};

// A directory of our own inside a directory others may write to: mode 0700, owned by the
// effective user. Files are made and finished in it, out of everyone else's reach, then moved to
// their final name with one renameat. Removed with what is left in it when the object goes,
// unless kept.
class PrivateDir {
  public:
    // Makes `name` in the directory `parent_fd`; fails when something is already there.
    static util::Result<PrivateDir> create(int parent_fd, const std::filesystem::path& parent_path,
                                           const std::string& name);
    // The same under a fresh name .TARGET.tmp.XXXXXX (a name remove_stale_temp_files knows).
    static util::Result<PrivateDir> create_temp(int parent_fd, const std::filesystem::path& parent_path,
                                                const std::string& target_name);
    // One an earlier run left: nullopt when nothing is there; an error when `name` is anything
    // but a directory of the effective user's that no one else may enter.
    static util::Result<std::optional<PrivateDir>>
    open_existing(int parent_fd, const std::filesystem::path& parent_path, const std::string& name);

    PrivateDir(PrivateDir&&) noexcept = default;
    PrivateDir& operator=(PrivateDir&&) = delete;
    ~PrivateDir() {
        if (!m_keep) remove();
    }
    int fd() const { return m_fd.get(); }
    std::filesystem::path path() const { return m_parent_path / m_name; }
    // Not removed when the object goes, only by remove(): left for a later run (the swap after its
    // commit point).
    void keep() { m_keep = true; }

    // `name` in it with `data` and `mode`, given `owner` (nullopt: ours) on the descriptor before
    // the first byte is written; flushed. False when the owner could not be given (not root):
    // the file is then ours.
    util::Result<bool> write(const std::string& name, util::ByteView data, mode_t mode,
                             const std::optional<Owner>& owner = std::nullopt,
                             Durability durability = Durability::durable);
    // `name` in it becomes the open file `from`: a hard link of its inode, or a copy of `data`
    // (its content) with its mode and owner where the file system has no hard links.
    util::Result<void> link(const std::string& name, const OpenFile& from, util::ByteView data);
    // Moves `name` out to `target` in `dir_fd`. Overwrite::refuse never replaces anything
    // (RENAME_NOREPLACE; link and unlink where the file system lacks it).
    util::Result<void> move_out(const std::string& name, int dir_fd, const std::string& target,
                                const std::filesystem::path& target_path, Overwrite overwrite);
    // Removes its entries, then itself, by name only while that name still is this directory.
    void remove();

  private:
    PrivateDir(util::UniqueFd parent, std::filesystem::path parent_path, std::string name, util::UniqueFd fd)
        : m_parent(std::move(parent)), m_parent_path(std::move(parent_path)), m_name(std::move(name)),
          m_fd(std::move(fd)) {}
    static util::Result<PrivateDir> open_made(int parent_fd, const std::filesystem::path& parent_path,
                                              const std::string& name);
    util::UniqueFd m_parent;
    std::filesystem::path m_parent_path;
    std::string m_name;
    util::UniqueFd m_fd;
    bool m_keep = false;
};

// Writes `data` to `path` with exactly `mode` (umask does not apply). With Overwrite::refuse an
// existing file is left alone and the call fails; the check and the rename are one atomic step.
// A link, directory or other non-regular file at `path` is refused, never replaced.
util::Result<void> write_file_atomic(const std::filesystem::path& path, util::ByteView data, mode_t mode,
                                     Overwrite overwrite, Durability durability = Durability::durable);

// "-" and /dev/stdout: the file is standard output (getcacert --out -), written as it is.
bool is_standard_output(const std::filesystem::path& path);

// write_file_atomic, or all of `data` to standard output when `path` is standard output.
util::Result<void> write_output(const std::filesystem::path& path, util::ByteView data, mode_t mode,
                                Overwrite overwrite);

// Checks, before any work is done (before a one-time challenge is used), that every path can be
// written: its directory exists and the effective user may create files in it; nothing but a
// regular file is at the path (a link, dangling or not, is never written through or replaced); and
// with Overwrite::refuse nothing is there at all. Standard output (is_standard_output) passes.
// With `make_directory`, a missing directory is made first (make_last_directory).
util::Result<void> check_new_files(const std::vector<std::filesystem::path>& paths, Overwrite overwrite,
                                   std::optional<mode_t> make_directory = std::nullopt);

// The one rule for output directories: when the directory `file` goes in is missing and its
// parent exists, that last directory is made, with exactly `mode` (0700 where a private key will
// be, 0755 otherwise), owned by the effective user. Never more than the last component (a typo
// in the middle of a path is not turned into a tree), never through a link: mkdirat relative to
// the parent's descriptor makes a new directory or fails, and the new one is opened with
// O_NOFOLLOW and must be ours before its mode is set. One that exists, or appears meanwhile, is
// left as it is and checked as any existing directory. True when it made one.
util::Result<bool> make_last_directory(const std::filesystem::path& file, mode_t mode);

// Several files that appear together or not at all: every file is written and flushed in a
// private directory first; only then are they renamed into place. If a rename fails, the files
// this set had already created are removed again (replaced files cannot be restored: use
// Overwrite::refuse when that matters).
class FileSet {
  public:
    void add(std::filesystem::path path, util::Bytes data, mode_t mode);
    util::Result<void> commit(Overwrite overwrite);
    const std::vector<std::filesystem::path>& paths() const { return m_paths; }

  private:
    std::vector<std::filesystem::path> m_paths;
    std::vector<util::Bytes> m_data;
    std::vector<mode_t> m_modes;
};

// fsync of a directory: a rename in it is durable only once its entry is on disk.
util::Result<void> sync_directory(const std::filesystem::path& dir);
util::Result<void> sync_directory(int dir_fd, const std::filesystem::path& dir);

// Reads a whole file, refusing anything larger than max_bytes. Follows links: for files the user
// names that scepctl never writes (secrets, configuration).
util::Result<util::Bytes> read_file(const std::filesystem::path& path, std::size_t max_bytes = 16u << 20);

// Reads a key or certificate in a directory others may write to: a regular file, the last
// component never followed (a link there is an error, exit 93).
util::Result<util::Bytes> read_regular_file(const std::filesystem::path& path, std::size_t max_bytes = 16u << 20);

// Reads a file scepctl wrote for itself (the renewal journal, a pending key) and trusts nothing
// else: it must be a regular file (not a link, not a FIFO: never waited on), owned by the
// effective user, mode 0600, with one link. nullopt when there is none; `what` names it in errors.
util::Result<std::optional<util::Bytes>> read_own_file(const std::filesystem::path& path, const std::string& what,
                                                       std::size_t max_bytes = 1u << 20);

// Temp files a killed run (SIGKILL, power loss) left next to `paths`: .NAME.tmp.XXXXXX (a private
// directory of ours, or a file of older versions) and NAME.bak.scepctl-tmp. Ours (owned by the
// effective user, a regular file or our private directory) are removed, relative to the
// directory's descriptor and never following a link; anything else with such a name is left
// alone and reported. Run it while holding the DirectoryLock (store/swap.hpp) of the directory: a
// running scepctl's temp files look the same.
struct StaleTempFiles {
    std::vector<std::filesystem::path> removed;
    std::vector<std::string> kept; // one line each: what it is and why it was left
};
util::Result<StaleTempFiles> remove_stale_temp_files(const std::vector<std::filesystem::path>& paths);

} // namespace store
