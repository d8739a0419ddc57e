#include "util/text.hpp"

namespace util {

std::string join(const std::vector<std::string>& items, std::string_view separator, std::string_view empty) {
    if (items.empty()) return std::string(empty);
    std::string text;
    for (const auto& item : items) {
        if (!text.empty()) text += separator;
        text += item;
    }
    return text;
}

} // namespace util
