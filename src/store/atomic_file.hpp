// Files that are either fully written or not there: temp file in the same directory, fsync,
// rename, fsync of the directory.
#pragma once

#include <filesystem>
#include <vector>

#include <sys/types.h>

#include "scep/bytes.hpp"
#include "scep/result.hpp"

namespace store {

enum class Overwrite { refuse, replace };

// Writes `data` to `path` with exactly `mode` (umask does not apply). With Overwrite::refuse an
// existing file is left alone and the call fails; the check and the rename are one atomic step.
scep::Result<void> write_file_atomic(const std::filesystem::path& path, scep::ByteView data, mode_t mode,
                                     Overwrite overwrite);

// Checks, before any work is done, that every path can be created: its directory exists and,
// with Overwrite::refuse, the file does not.
scep::Result<void> check_new_files(const std::vector<std::filesystem::path>& paths, Overwrite overwrite);

// Several files that appear together or not at all: every file is written and flushed to a temp
// file first; only then are they renamed into place. If a rename fails, the files this set had
// already created are removed again (replaced files cannot be restored: use Overwrite::refuse
// when that matters).
class FileSet {
public:
    void add(std::filesystem::path path, scep::Bytes data, mode_t mode);
    scep::Result<void> commit(Overwrite overwrite);
    const std::vector<std::filesystem::path>& paths() const { return m_paths; }

private:
    std::vector<std::filesystem::path> m_paths;
    std::vector<scep::Bytes> m_data;
    std::vector<mode_t> m_modes;
};

// fsync of a directory: a rename in it is durable only once its entry is on disk.
scep::Result<void> sync_directory(const std::filesystem::path& dir);

// Reads a whole file, refusing anything larger than max_bytes.
scep::Result<scep::Bytes> read_file(const std::filesystem::path& path, std::size_t max_bytes = 16u << 20);

} // namespace store
