#include "cli/secrets.hpp"

#include "store/atomic_file.hpp"

namespace cli {

scep::Result<std::string> read_secret_file(const std::string& path, const char* what) {
    auto data = store::read_file(path, 64 * 1024);
    if (!data) return std::move(data).error().context(what);
    std::string text(data->begin(), data->end());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) return scep::Error(scep::ErrorCode::usage, std::string(what) + ": '" + path + "' is empty");
    return text;
}

} // namespace cli
