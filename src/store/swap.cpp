#include "store/swap.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store/atomic_file.hpp"

namespace store {

namespace fs = std::filesystem;
using util::Error;
using util::ErrorCode;

namespace {

constexpr std::string_view k_journal_header = "scepctl-renew-journal 1";
constexpr std::size_t k_max_file = 1u << 20; // keys, certificates and chains are far smaller

Error file_error(const std::string& what, const fs::path& path, int err) {
    return Error(ErrorCode::file, what + " '" + path.string() + "': " + std::strerror(err));
}

std::string sha256_hex(util::ByteView data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
    return util::to_hex(util::ByteView(digest, len));
}

fs::path with_suffix(const fs::path& path, const char* suffix) {
    fs::path result = path;
    result += suffix;
    return result;
}

bool same_inode(const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// One file of the swap: its directory, opened once, and what is there now.
struct Target {
    DirEntry entry;
    std::optional<OpenFile> old; // the file being replaced, opened without following a link
    util::Bytes old_data;
    std::optional<std::string> old_sha256;
};

util::Result<Target> open_target(const fs::path& path) {
    Target target;
    SCEP_TRY(target.entry, DirEntry::open(path));
    SCEP_TRY(target.old, open_regular(target.entry.dir.get(), target.entry.name, path));
    if (target.old) {
        SCEP_TRY(target.old_data, read_all(target.old->fd.get(), path, k_max_file));
        target.old_sha256 = sha256_hex(target.old_data);
    }
    return target;
}

std::string staged_name(const Target& target) {
    return target.entry.name + ".scepctl-new";
}

// Every directory flushed once: renames in it are durable only then.
util::Result<void> sync_directories(const std::vector<Target>& targets) {
    std::vector<struct stat> done;
    for (const auto& target : targets) {
        struct stat st {};
        if (::fstat(target.entry.dir.get(), &st) != 0)
            return file_error("cannot look at", target.entry.dir_path, errno);
        if (std::any_of(done.begin(), done.end(), [&st](const struct stat& d) { return same_inode(d, st); })) continue;
        SCEP_TRY_VOID(sync_directory(target.entry.dir.get(), target.entry.dir_path));
        done.push_back(st);
    }
    return {};
}

// The journal names a target by its absolute path; this run may spell it otherwise (relative,
// another working directory): the same name in the same directory is the same target.
bool same_target(const fs::path& recorded, const fs::path& target) {
    std::error_code error;
    const fs::path absolute = fs::absolute(target, error);
    if (!error && recorded.lexically_normal() == absolute.lexically_normal()) return true;
    if (recorded.filename() != target.filename()) return false;
    struct stat a {
    }, b{};
    const fs::path target_dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    return ::stat(recorded.parent_path().c_str(), &a) == 0 && ::stat(target_dir.c_str(), &b) == 0 && same_inode(a, b);
}

// Percent-encodes what would break the line format (space, control characters, '%').
std::string encode_path(const std::string& path) {
    static const char* k_hex = "0123456789ABCDEF";
    std::string out;
    for (const char c : path) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == '%') {
            out += '%';
            out += k_hex[u >> 4];
            out += k_hex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<std::string> decode_path(std::string_view text) {
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        const int hi = hex(text[i + 1]);
        const int lo = hex(text[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

bool is_sha256_hex(std::string_view text) {
    return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::vector<std::string_view> split_spaces(std::string_view line) {
    std::vector<std::string_view> fields;
    while (!line.empty()) {
        const auto space = line.find(' ');
        fields.push_back(line.substr(0, space));
        if (space == std::string_view::npos) break;
        line.remove_prefix(space + 1);
    }
    return fields;
}

} // namespace

fs::path staged_path(const fs::path& target) {
    return with_suffix(target, ".scepctl-new");
}
fs::path backup_path(const fs::path& target) {
    return with_suffix(target, ".bak");
}

std::string format_journal(const std::vector<JournalEntry>& entries) {
    std::string text(k_journal_header);
    text += '\n';
    for (const auto& entry : entries) {
        text += "replace " + entry.new_sha256 + " " + entry.old_sha256.value_or("-") + " " +
                encode_path(entry.path.string()) + "\n";
    }
    return text;
}

util::Result<std::vector<JournalEntry>> parse_journal(std::string_view text, const fs::path& source) {
    const auto bad = [&source](const std::string& why) {
        return Error(ErrorCode::file, "renewal journal '" + source.string() + "' is damaged (" + why +
                                          "): check the .bak files next to the files it names, then remove it");
    };
    std::vector<JournalEntry> entries;
    bool header = false;
    std::size_t line_number = 0;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        if (newline == std::string_view::npos) return bad("last line is incomplete");
        const std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline + 1);
        ++line_number;
        if (!header) {
            if (line != k_journal_header) return bad("unknown header");
            header = true;
            continue;
        }
        const auto fields = split_spaces(line);
        if (fields.size() != 4 || fields[0] != "replace" || !is_sha256_hex(fields[1]) ||
            (fields[2] != "-" && !is_sha256_hex(fields[2]))) {
            return bad("line " + std::to_string(line_number));
        }
        auto path = decode_path(fields[3]);
        if (!path || path->empty() || (*path)[0] != '/') return bad("path on line " + std::to_string(line_number));
        JournalEntry entry{*path, std::string(fields[1]), std::nullopt};
        if (fields[2] != "-") entry.old_sha256 = std::string(fields[2]);
        entries.push_back(std::move(entry));
    }
    if (!header || entries.empty()) return bad("no entries");
    return entries;
}

namespace {

// Each new file written complete into a private directory beside its target, with the owner and
// group (and, with keep_mode_mask, the mode bits) of the file it will replace.
util::Result<std::vector<PrivateDir>> stage_files(const std::vector<Target>& targets,
                                                  const std::vector<SwapFile>& files, SwapResult& result,
                                                  const std::function<void(std::string_view)>& reached) {
    std::vector<PrivateDir> stages;
    stages.reserve(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        const Target& target = targets[i];
        SCEP_TRY(PrivateDir stage,
                 PrivateDir::create(target.entry.dir.get(), target.entry.dir_path, staged_name(target)));
        mode_t mode = files[i].mode;
        std::optional<Owner> owner;
        if (target.old) {
            const struct stat& old = target.old->st;
            if (files[i].keep_mode_mask != 0) mode = old.st_mode & files[i].keep_mode_mask;
            owner = Owner{old.st_uid, old.st_gid};
        }
        SCEP_TRY(const bool owner_given, stage.write(target.entry.name, files[i].data, mode, owner));
        if (!owner_given) {
            result.warnings.push_back("cannot give the new '" + files[i].path.string() +
                                      "' the owner and group of the old one (" + std::strerror(EPERM) +
                                      "): check who may read it");
        }
        stages.push_back(std::move(stage));
        reached("staged:" + target.entry.name);
    }
    return stages;
}

} // namespace

util::Result<SwapResult> swap_files(const fs::path& journal, const std::vector<SwapFile>& files,
                                    const std::function<void(std::string_view)>& checkpoint) {
    const auto reached = [&checkpoint](std::string_view stage) {
        if (checkpoint) checkpoint(stage);
    };
    if (files.empty()) return Error(ErrorCode::internal, "swap_files: nothing to replace");
    SwapResult result;
    // Every target is opened (never followed) and read before anything is written: a link or a
    // FIFO where a target should be stops the swap here.
    std::vector<Target> targets;
    for (const auto& file : files) {
        SCEP_TRY(Target target, open_target(file.path));
        targets.push_back(std::move(target));
    }
    const fs::path journal_path = fs::absolute(journal);
    SCEP_TRY(const DirEntry journal_entry, DirEntry::open(journal_path));

    // 1. Stage every new file complete, with the owner and group of the file it will replace.
    // Until the commit point an early return removes the private directories with their files.
    SCEP_TRY(std::vector<PrivateDir> stages, stage_files(targets, files, result, reached));
    reached("staged");

    // 2. Keep the files about to be replaced as NAME.bak: the inode we read, not whatever the
    // name holds now; 3. the journal (the commit point).
    std::vector<JournalEntry> entries;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const Target& target = targets[i];
        entries.push_back(JournalEntry{fs::absolute(files[i].path), sha256_hex(files[i].data), target.old_sha256});
        if (!target.old) continue;
        const std::string backup = target.entry.name + ".bak";
        SCEP_TRY_VOID(stages[i].link(backup, *target.old, target.old_data));
        SCEP_TRY_VOID(
            stages[i].move_out(backup, target.entry.dir.get(), backup, backup_path(files[i].path), Overwrite::replace));
        result.backups.push_back(backup_path(files[i].path)); // as the caller named it
    }
    SCEP_TRY_VOID(sync_directories(targets));
    reached("backed-up");
    const std::string journal_text = format_journal(entries);
    SCEP_TRY_VOID(write_file_atomic(journal_path, util::as_bytes(journal_text), 0600, Overwrite::replace));
    for (auto& stage : stages)
        stage.keep(); // from here on they belong to the journal
    reached("journal");

    // 4. Rename, in order. A failure here cannot be undone safely: the journal stays for recovery.
    for (std::size_t i = 0; i < files.size(); ++i) {
        const Target& target = targets[i];
        if (auto moved = stages[i].move_out(target.entry.name, target.entry.dir.get(), target.entry.name, files[i].path,
                                            Overwrite::replace);
            !moved) {
            Error error = std::move(moved).error();
            error.message += "; the journal '" + journal_path.string() +
                             "' is kept: the next scepctl renew finishes the swap (the old files are in .bak)";
            return error;
        }
        reached("renamed:" + target.entry.name);
    }
    // 5. The private directories (empty now) go; durable, then the journal goes.
    for (auto& stage : stages)
        stage.remove();
    SCEP_TRY_VOID(sync_directories(targets));
    reached("renamed");
    if (::unlinkat(journal_entry.dir.get(), journal_entry.name.c_str(), 0) != 0) {
        return file_error("cannot remove the renewal journal", journal_path, errno);
    }
    SCEP_TRY_VOID(sync_directory(journal_entry.dir.get(), journal_entry.dir_path));
    return result;
}

std::string to_string(Recovery recovery) {
    switch (recovery) {
    case Recovery::none: return "none";
    case Recovery::discarded: return "discarded";
    case Recovery::rolled_forward: return "rolled_forward";
    case Recovery::rolled_back: return "rolled_back";
    }
    return "unknown";
}

namespace {

// Interrupted before the commit point (or never begun): the targets were never touched; only
// their staging directories (or, from older versions, staged files) are left to remove.
util::Result<void> discard_stages(const std::vector<fs::path>& targets, RecoveryResult& result) {
    for (const auto& path : targets) {
        SCEP_TRY(const DirEntry target, DirEntry::open(path));
        const std::string staged = target.name + ".scepctl-new";
        // Older versions staged a plain file of ours under that name.
        SCEP_TRY(const EntryStat entry, stat_entry(target.dir.get(), staged, staged_path(path)));
        if (entry.type == EntryType::regular && entry.st.st_uid == ::geteuid()) {
            if (::unlinkat(target.dir.get(), staged.c_str(), 0) != 0) {
                return file_error("cannot remove", staged_path(path), errno);
            }
        } else {
            SCEP_TRY(auto stage, PrivateDir::open_existing(target.dir.get(), target.dir_path, staged));
            if (!stage) continue;
            stage->remove();
        }
        result.action = Recovery::discarded;
        result.files.push_back(path);
    }
    return {};
}

// For each journal entry, the index of its target. Only this run's own files: a journal can never
// make us touch anything else.
util::Result<std::vector<std::size_t>> journal_targets(const std::vector<JournalEntry>& entries,
                                                       const std::vector<fs::path>& targets, const fs::path& journal) {
    std::vector<std::size_t> which;
    for (const auto& entry : entries) {
        std::size_t index = 0;
        while (index < targets.size() && !same_target(entry.path, targets[index]))
            ++index;
        if (index == targets.size() || std::find(which.begin(), which.end(), index) != which.end()) {
            return Error(ErrorCode::file, "renewal journal '" + journal.string() + "' names '" + entry.path.string() +
                                              "', which is not one of this renewal's key, certificate and chain "
                                              "files: not trusted, nothing was changed; remove it if no renewal of "
                                              "these files was interrupted, or run renew with the paths it names");
        }
        which.push_back(index);
    }
    return which;
}

enum class SwapState { pending, done, broken };

// Roll forward: every new file is complete, either staged or already in place.
util::Result<void> roll_forward(const std::vector<Target>& opened, std::vector<std::optional<PrivateDir>>& stages,
                                const std::vector<SwapState>& states, const fs::path& journal) {
    for (std::size_t i = 0; i < opened.size(); ++i) {
        if (states[i] != SwapState::pending) continue;
        const Target& target = opened[i];
        auto moved = stages[i] ? stages[i]->move_out(target.entry.name, target.entry.dir.get(), target.entry.name,
                                                     target.entry.path, Overwrite::replace)
                               : util::Result<void>(Error(ErrorCode::internal, "no staged file"));
        if (!moved) {
            return std::move(moved).error().context("cannot finish the interrupted renewal in '" + journal.string() +
                                                    "'");
        }
    }
    return {};
}

// Something changed a file behind our back: put every target back to its old content. Every .bak
// is checked before the first file is touched.
util::Result<void> roll_back(const std::vector<JournalEntry>& entries, const std::vector<Target>& opened,
                             const fs::path& journal) {
    std::vector<std::optional<OpenFile>> backups;
    std::vector<util::Bytes> backup_data;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Target& target = opened[i];
        backups.emplace_back();
        backup_data.emplace_back();
        if (!entries[i].old_sha256 || target.old_sha256 == entries[i].old_sha256) continue;
        const std::string backup = target.entry.name + ".bak";
        const fs::path backup_file = backup_path(target.entry.path);
        SCEP_TRY(backups.back(), open_regular(target.entry.dir.get(), backup, backup_file));
        if (backups.back()) {
            SCEP_TRY(backup_data.back(), read_all(backups.back()->fd.get(), backup_file, k_max_file));
        }
        if (!backups.back() || sha256_hex(backup_data.back()) != *entries[i].old_sha256) {
            return Error(ErrorCode::file, "cannot recover the interrupted renewal in '" + journal.string() + "': '" +
                                              target.entry.path.string() +
                                              "' holds neither its old nor its new content and '" +
                                              backup_file.string() +
                                              "' is not the old one either: restore the key and certificate "
                                              "by hand, then remove the journal");
        }
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Target& target = opened[i];
        if (!entries[i].old_sha256) {
            if (target.old_sha256 == entries[i].new_sha256 &&
                ::unlinkat(target.entry.dir.get(), target.entry.name.c_str(), 0) != 0) {
                return file_error("cannot remove", target.entry.path, errno);
            }
        } else if (backups[i]) {
            SCEP_TRY(PrivateDir temp,
                     PrivateDir::create_temp(target.entry.dir.get(), target.entry.dir_path, target.entry.name));
            SCEP_TRY_VOID(temp.link(target.entry.name, *backups[i], backup_data[i]));
            SCEP_TRY_VOID(temp.move_out(target.entry.name, target.entry.dir.get(), target.entry.name, target.entry.path,
                                        Overwrite::replace));
        }
    }
    return {};
}

} // namespace

util::Result<RecoveryResult> recover_swap(const fs::path& journal, const std::vector<fs::path>& targets) {
    RecoveryResult result;
    SCEP_TRY(const DirEntry journal_entry, DirEntry::open(journal));
    SCEP_TRY(const std::optional<util::Bytes> text, read_own_file(journal, "renewal journal", k_max_file));
    if (!text) {
        SCEP_TRY_VOID(discard_stages(targets, result));
        return result;
    }
    SCEP_TRY(const std::vector<JournalEntry> entries, parse_journal(util::as_chars(*text), journal));
    SCEP_TRY(const std::vector<std::size_t> which, journal_targets(entries, targets, journal));

    // Where each file stands: its new content staged (pending), already in place (done), or neither.
    std::vector<Target> opened;
    std::vector<std::optional<PrivateDir>> stages;
    std::vector<SwapState> states;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const fs::path& path = targets[which[i]];
        SCEP_TRY(Target target, open_target(path));
        SCEP_TRY(auto stage,
                 PrivateDir::open_existing(target.entry.dir.get(), target.entry.dir_path, staged_name(target)));
        std::optional<std::string> staged_hash;
        if (stage) {
            stage->keep(); // removed below, once the swap is done
            const fs::path staged_file = stage->path() / target.entry.name;
            SCEP_TRY(const auto staged, open_regular(stage->fd(), target.entry.name, staged_file));
            if (staged) {
                SCEP_TRY(const util::Bytes data, read_all(staged->fd.get(), staged_file, k_max_file));
                staged_hash = sha256_hex(data);
            }
        }
        states.push_back(staged_hash == entries[i].new_sha256         ? SwapState::pending
                         : target.old_sha256 == entries[i].new_sha256 ? SwapState::done
                                                                      : SwapState::broken);
        result.files.push_back(path);
        opened.push_back(std::move(target));
        stages.push_back(std::move(stage));
    }
    if (std::find(states.begin(), states.end(), SwapState::broken) == states.end()) {
        SCEP_TRY_VOID(roll_forward(opened, stages, states, journal));
        result.action = Recovery::rolled_forward;
    } else {
        SCEP_TRY_VOID(roll_back(entries, opened, journal));
        result.action = Recovery::rolled_back;
    }
    for (auto& stage : stages) {
        if (stage) stage->remove();
    }
    SCEP_TRY_VOID(sync_directories(opened));
    if (::unlinkat(journal_entry.dir.get(), journal_entry.name.c_str(), 0) != 0) {
        return file_error("cannot remove the renewal journal", journal, errno);
    }
    SCEP_TRY_VOID(sync_directory(journal_entry.dir.get(), journal_entry.dir_path));
    return result;
}

util::Result<DirectoryLock> DirectoryLock::acquire(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return file_error("cannot open directory", dir, errno);
    DirectoryLock lock(fd);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            return Error(ErrorCode::file, "another scepctl enroll or renew is working on files in '" + dir.string() +
                                              "' (it holds a lock on the directory): try again when it has finished");
        }
        return file_error("cannot lock directory", dir, errno);
    }
    return lock;
}

util::Result<std::vector<DirectoryLock>> lock_directories_of(const std::vector<fs::path>& paths) {
    std::vector<DirectoryLock> locks;
    std::vector<struct stat> locked;
    for (const auto& path : paths) {
        const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0) return file_error("cannot open directory", dir, errno);
        if (std::any_of(locked.begin(), locked.end(), [&st](const struct stat& d) { return same_inode(d, st); })) {
            continue;
        }
        SCEP_TRY(DirectoryLock lock, DirectoryLock::acquire(dir));
        locks.push_back(std::move(lock));
        locked.push_back(st);
    }
    return locks;
}

DirectoryLock::~DirectoryLock() {
    if (m_fd >= 0) ::close(m_fd);
}

} // namespace store
