// Replacing a key, its certificate and its chain as one unit (scepctl renew). Two renames are not
// atomic together, so the swap is journaled and a later run finishes what a killed run began:
//
//  1. stage    every new file is written complete in NAME.scepctl-new/, a private directory
//              (0700, ours) next to its target, owner, group and mode set on its descriptor;
//  2. back up  every file about to be replaced is hard-linked (copied where the file system has no
//              hard links) to NAME.bak, replacing an older NAME.bak: the inode we opened and read,
//              linked in the private directory and renamed out;
//  3. commit   the journal is written atomically: each target with the SHA-256 of its new and of
//              its old content. From here on the swap is rolled forward, never back;
//  4. rename   the staged files over their targets, in the order given (key first);
//  5. finish   the private directories go, the directories are flushed and the journal removed.
//
// A kill before 3 leaves the old files untouched (only staged files and fresh .bak copies of the
// old files, which recover_swap() tidies up); a kill after 3 leaves a journal and complete staged
// files, so recover_swap() renames what is left. Between two renames of step 4 a reader can see
// the new key with the old certificate; the journal and the .bak pair cover that moment.
//
// Safe as root in a directory someone else may write to (atomic_file.hpp): nothing there is
// followed, and a journal is trusted only when it is our own file naming this run's targets.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "util/bytes.hpp"
#include "util/result.hpp"

namespace store {

struct SwapFile {
    std::filesystem::path path;
    util::Bytes data;
    mode_t mode = 0644;        // for a new file, or when keep_mode_mask is 0
    mode_t keep_mode_mask = 0; // not 0: a file that replaces one gets the old mode & this mask
};

std::filesystem::path staged_path(const std::filesystem::path& target); // NAME.scepctl-new (a directory)
std::filesystem::path backup_path(const std::filesystem::path& target); // NAME.bak

// One line of the journal: a target (absolute path) and the SHA-256 (hex) of the content it gets
// and of the content it had (nullopt: it did not exist).
struct JournalEntry {
    std::filesystem::path path;
    std::string new_sha256;
    std::optional<std::string> old_sha256;
};

std::string format_journal(const std::vector<JournalEntry>& entries);
// Errors name `source` (the journal file) and are ErrorCode::file.
util::Result<std::vector<JournalEntry>> parse_journal(std::string_view text, const std::filesystem::path& source);

struct SwapResult {
    std::vector<std::filesystem::path> backups; // the NAME.bak files made, in the order of the targets, as
                                                // the caller named the targets
    std::vector<std::string> warnings;          // e.g. owner or group of an old file not kept
};

// Steps 1-5 above. The new files get their mode and the owner and group of the files they replace
// (when the process may give them; otherwise a warning). A target that is a link or not a regular
// file is refused before anything is written. `checkpoint` is called after each step
// with its name: "staged:<target file name>" after each staged file, "staged", "backed-up",
// "journal", "renamed:<target file name>" after each rename, and "renamed" before the journal
// is removed (tests stop the process there). A failure
// before the commit point removes the staged files and leaves the targets as they were; a
// failure after it leaves the journal for recover_swap().
util::Result<SwapResult> swap_files(const std::filesystem::path& journal, const std::vector<SwapFile>& files,
                                    const std::function<void(std::string_view)>& checkpoint = {});

enum class Recovery {
    none,           // no journal and nothing staged: the last swap was complete (or never began)
    discarded,      // no journal: staged files of a swap that never reached its commit point removed
    rolled_forward, // the journal's staged files renamed into place: the new files are complete
    rolled_back,    // a target held neither its old nor its new content: old content restored from .bak
};
std::string to_string(Recovery recovery);

struct RecoveryResult {
    Recovery action = Recovery::none;
    std::vector<std::filesystem::path> files; // the targets involved
};

// Looks for `journal` and finishes or undoes the swap it describes (see above); without a journal
// removes stale staged files of `targets`. Safe to run at any time, and again after a kill.
// The journal must be our own (store::read_own_file: a regular file of the effective user's,
// mode 0600, never a link or a FIFO) and name only `targets`; staged files must be in our own
// private directories. Anything else is an error (ErrorCode::file) and nothing is touched.
util::Result<RecoveryResult> recover_swap(const std::filesystem::path& journal,
                                          const std::vector<std::filesystem::path>& targets);

// An exclusive advisory lock (flock) on a directory, held while the object lives: two runs writing
// files in the same directory (enroll, renew) never interleave. Fails at once, naming the
// directory, when another process holds it.
class DirectoryLock {
  public:
    static util::Result<DirectoryLock> acquire(const std::filesystem::path& dir);
    DirectoryLock(DirectoryLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
    DirectoryLock& operator=(DirectoryLock&&) = delete;
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;
    ~DirectoryLock();

  private:
    explicit DirectoryLock(int fd) : m_fd(fd) {}
    int m_fd;
};

// A DirectoryLock on the directory of every path, each directory once however it is spelled.
util::Result<std::vector<DirectoryLock>> lock_directories_of(const std::vector<std::filesystem::path>& paths);

} // namespace store
