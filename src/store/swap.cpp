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
using scep::Error;
using scep::ErrorCode;

namespace {

constexpr std::string_view k_journal_header = "scepctl-renew-journal 1";
constexpr std::size_t k_max_file = 1u << 20; // keys, certificates and chains are far smaller

Error file_error(const std::string& what, const fs::path& path, int err) {
    return Error(ErrorCode::file, what + " '" + path.string() + "': " + std::strerror(err));
}

std::string sha256_hex(scep::ByteView data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
    return scep::to_hex(scep::ByteView(digest, len));
}

bool exists_no_follow(const fs::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

// The SHA-256 of a file's content; nullopt when it does not exist.
scep::Result<std::optional<std::string>> file_sha256(const fs::path& path) {
    if (!exists_no_follow(path)) return std::optional<std::string>();
    SCEP_TRY(const scep::Bytes data, read_file(path, k_max_file));
    return std::optional<std::string>(sha256_hex(data));
}

fs::path directory_of(const fs::path& path) {
    return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

fs::path with_suffix(const fs::path& path, const char* suffix) {
    fs::path result = path;
    result += suffix;
    return result;
}

scep::Result<void> sync_directories(const std::vector<fs::path>& paths) {
    std::vector<fs::path> done;
    for (const auto& path : paths) {
        const fs::path dir = directory_of(path);
        if (std::find(done.begin(), done.end(), dir) != done.end()) continue;
        SCEP_TRY_VOID(sync_directory(dir));
        done.push_back(dir);
    }
    return {};
}

scep::Result<void> sync_file(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return file_error("cannot open", path, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return file_error("cannot flush", path, err);
    return {};
}

// `to` becomes a copy of `from` (same inode where the file system allows hard links), replacing
// whatever `to` was, in one rename.
scep::Result<void> link_or_copy(const fs::path& from, const fs::path& to) {
    const fs::path temp = with_suffix(to, ".scepctl-tmp");
    ::unlink(temp.c_str());
    if (::link(from.c_str(), temp.c_str()) == 0) {
        if (::rename(temp.c_str(), to.c_str()) != 0) {
            const int err = errno;
            ::unlink(temp.c_str());
            return file_error("cannot rename a copy into place as", to, err);
        }
        return {};
    }
    if (errno != EPERM && errno != EXDEV && errno != EMLINK && errno != EOPNOTSUPP && errno != ENOSYS) {
        return file_error("cannot link '" + from.string() + "' as", temp, errno);
    }
    struct stat st {};
    if (::stat(from.c_str(), &st) != 0) return file_error("cannot read the mode of", from, errno);
    SCEP_TRY(const scep::Bytes data, read_file(from, k_max_file));
    return write_file_atomic(to, data, st.st_mode & 07777, Overwrite::replace);
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

scep::Result<std::vector<JournalEntry>> parse_journal(std::string_view text, const fs::path& source) {
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

scep::Result<SwapResult> swap_files(const fs::path& journal, const std::vector<SwapFile>& files,
                                    const std::function<void(std::string_view)>& checkpoint) {
    const auto reached = [&checkpoint](std::string_view stage) {
        if (checkpoint) checkpoint(stage);
    };
    if (files.empty()) return Error(ErrorCode::internal, "swap_files: nothing to replace");
    SwapResult result;
    std::vector<fs::path> targets;
    for (const auto& file : files)
        targets.push_back(fs::absolute(file.path));
    const fs::path journal_path = fs::absolute(journal);

    // 1. Stage every new file complete, with the owner and group of the file it will replace.
    std::vector<fs::path> staged;
    const auto discard = [&staged] {
        for (const auto& path : staged)
            ::unlink(path.c_str());
    };
    for (std::size_t i = 0; i < files.size(); ++i) {
        const fs::path path = staged_path(targets[i]);
        staged.push_back(path);
        if (auto written = write_file_atomic(path, files[i].data, files[i].mode, Overwrite::replace); !written) {
            discard();
            return std::move(written).error();
        }
        struct stat old {};
        if (::stat(targets[i].c_str(), &old) == 0 && (old.st_uid != ::geteuid() || old.st_gid != ::getegid())) {
            if (::chown(path.c_str(), old.st_uid, old.st_gid) != 0) {
                result.warnings.push_back("cannot give the new '" + targets[i].string() +
                                          "' the owner and group of the old one (" + std::strerror(errno) +
                                          "): check who may read it");
            } else if (auto synced = sync_file(path); !synced) {
                discard();
                return std::move(synced).error();
            }
        }
        reached("staged:" + targets[i].filename().string());
    }
    reached("staged");

    // 2. Keep the files about to be replaced as NAME.bak; 3. the journal (the commit point).
    std::vector<JournalEntry> entries;
    for (std::size_t i = 0; i < files.size(); ++i) {
        JournalEntry entry{targets[i], sha256_hex(files[i].data), std::nullopt};
        auto old_hash = file_sha256(targets[i]);
        if (!old_hash) {
            discard();
            return std::move(old_hash).error();
        }
        entry.old_sha256 = *old_hash;
        if (entry.old_sha256) {
            const fs::path backup = backup_path(targets[i]);
            if (auto copied = link_or_copy(targets[i], backup); !copied) {
                discard();
                return std::move(copied).error();
            }
            result.backups.push_back(backup_path(files[i].path)); // as the caller named it
        }
        entries.push_back(std::move(entry));
    }
    if (auto synced = sync_directories(targets); !synced) {
        discard();
        return std::move(synced).error();
    }
    reached("backed-up");
    const std::string journal_text = format_journal(entries);
    if (auto written = write_file_atomic(journal_path, scep::as_bytes(journal_text), 0600, Overwrite::replace);
        !written) {
        discard();
        return std::move(written).error();
    }
    reached("journal");

    // 4. Rename, in order. A failure here cannot be undone safely: the journal stays for recovery.
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (::rename(staged[i].c_str(), targets[i].c_str()) != 0) {
            Error error = file_error("cannot move the new file into place as", targets[i], errno);
            error.message += "; the journal '" + journal_path.string() +
                             "' is kept: the next scepctl renew finishes the swap (the old files are in .bak)";
            return error;
        }
        reached("renamed:" + targets[i].filename().string());
    }
    // 5. Durable, then the journal goes.
    SCEP_TRY_VOID(sync_directories(targets));
    reached("renamed");
    if (::unlink(journal_path.c_str()) != 0)
        return file_error("cannot remove the renewal journal", journal_path, errno);
    SCEP_TRY_VOID(sync_directory(directory_of(journal_path)));
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

scep::Result<RecoveryResult> recover_swap(const fs::path& journal, const std::vector<fs::path>& targets) {
    RecoveryResult result;
    if (!exists_no_follow(journal)) {
        // Interrupted before the commit point (or never begun): the targets were never touched.
        for (const auto& target : targets) {
            for (const fs::path& stale : {staged_path(target), with_suffix(backup_path(target), ".scepctl-tmp")}) {
                if (::unlink(stale.c_str()) == 0) {
                    result.action = Recovery::discarded;
                    result.files.push_back(target);
                }
            }
        }
        return result;
    }
    SCEP_TRY(const scep::Bytes text, read_file(journal, k_max_file));
    SCEP_TRY(const std::vector<JournalEntry> entries, parse_journal(scep::as_chars(text), journal));

    enum class State { pending, done, broken };
    std::vector<State> states;
    for (const auto& entry : entries) {
        SCEP_TRY(const auto staged_hash, file_sha256(staged_path(entry.path)));
        SCEP_TRY(const auto target_hash, file_sha256(entry.path));
        states.push_back(staged_hash == entry.new_sha256   ? State::pending
                         : target_hash == entry.new_sha256 ? State::done
                                                           : State::broken);
        result.files.push_back(entry.path);
    }
    std::vector<fs::path> paths;
    for (const auto& entry : entries)
        paths.push_back(entry.path);

    if (std::find(states.begin(), states.end(), State::broken) == states.end()) {
        // Roll forward: every new file is complete, either staged or already in place.
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (states[i] != State::pending) continue;
            const fs::path staged = staged_path(entries[i].path);
            if (::rename(staged.c_str(), entries[i].path.c_str()) != 0) {
                return file_error("cannot finish the interrupted renewal: cannot rename '" + staged.string() + "' to",
                                  entries[i].path, errno);
            }
        }
        result.action = Recovery::rolled_forward;
    } else {
        // Something changed a file behind our back: put every target back to its old content.
        for (const auto& entry : entries) {
            SCEP_TRY(const auto target_hash, file_sha256(entry.path));
            if (!entry.old_sha256) {
                if (target_hash == entry.new_sha256 && ::unlink(entry.path.c_str()) != 0) {
                    return file_error("cannot remove", entry.path, errno);
                }
            } else if (target_hash != entry.old_sha256) {
                const fs::path backup = backup_path(entry.path);
                SCEP_TRY(const auto backup_hash, file_sha256(backup));
                if (backup_hash != entry.old_sha256) {
                    return Error(ErrorCode::file, "cannot recover the interrupted renewal in '" + journal.string() +
                                                      "': '" + entry.path.string() +
                                                      "' holds neither its old nor its new content and '" +
                                                      backup.string() +
                                                      "' is not the old one either: restore the "
                                                      "key and certificate by hand, then remove the journal");
                }
                SCEP_TRY_VOID(link_or_copy(backup, entry.path));
            }
            ::unlink(staged_path(entry.path).c_str());
        }
        result.action = Recovery::rolled_back;
    }
    SCEP_TRY_VOID(sync_directories(paths));
    if (::unlink(journal.c_str()) != 0) return file_error("cannot remove the renewal journal", journal, errno);
    SCEP_TRY_VOID(sync_directory(directory_of(journal)));
    return result;
}

scep::Result<DirectoryLock> DirectoryLock::acquire(const fs::path& dir) {
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

DirectoryLock::~DirectoryLock() {
    if (m_fd >= 0) ::close(m_fd);
}

} // namespace store
