// Small text helpers every layer uses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace util {

// "a, b, c" (or with another separator); `empty` when there is nothing to join.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ", std::string_view empty = "");

} // namespace util
