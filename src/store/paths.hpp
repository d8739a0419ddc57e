// Where a run's files go: the same file under two names.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace store {

// True when `a` and `b` name the same file: the same inode where both exist, else the same
// canonical path (links and "..", "." resolved as far as the path exists).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

// A file a run reads or writes, with the option that named it ("--cert-out").
struct NamedPath {
    std::string option;
    std::filesystem::path path;
};

// Usage error naming both options when two of `paths` are the same file: one output would
// overwrite another (or the key it was made with) and the pair would be lost.
util::Result<void> check_distinct(const std::vector<NamedPath>& paths);

} // namespace store
