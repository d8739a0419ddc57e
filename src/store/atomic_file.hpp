// Files that are either fully written or not there: temp file in the same directory, fsync,
// rename, fsync of the directory.
#pragma once

#include <filesystem>

#include <sys/types.h>

#include "scep/bytes.hpp"
#include "scep/result.hpp"

namespace store {

enum class Overwrite { refuse, replace };

// Writes `data` to `path` with exactly `mode` (umask does not apply). With Overwrite::refuse an
// existing file is left alone and the call fails; the check and the rename are one atomic step.
scep::Result<void> write_file_atomic(const std::filesystem::path& path, scep::ByteView data, mode_t mode,
                                     Overwrite overwrite);

// Reads a whole file, refusing anything larger than max_bytes.
scep::Result<scep::Bytes> read_file(const std::filesystem::path& path, std::size_t max_bytes = 16u << 20);

} // namespace store
