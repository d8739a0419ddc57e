#include "store/paths.hpp"

#include <sys/stat.h>

namespace store {

namespace fs = std::filesystem;

bool same_file(const fs::path& a, const fs::path& b) {
    struct stat sa {
    }, sb{};
    if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0) {
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    }
    std::error_code error_a, error_b;
    const fs::path canonical_a = fs::weakly_canonical(a, error_a);
    const fs::path canonical_b = fs::weakly_canonical(b, error_b);
    if (error_a || error_b) return fs::absolute(a).lexically_normal() == fs::absolute(b).lexically_normal();
    return canonical_a == canonical_b;
}

util::Result<void> check_distinct(const std::vector<NamedPath>& paths) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
        for (std::size_t j = i + 1; j < paths.size(); ++j) {
            if (!same_file(paths[i].path, paths[j].path)) continue;
            const std::string both = paths[i].option + " " + paths[i].path.string() + " and " + paths[j].option + " " +
                                     paths[j].path.string();
            return util::Error(util::ErrorCode::usage,
                               both + " are the same file: one would overwrite the other; give each its own path");
        }
    }
    return {};
}

} // namespace store
