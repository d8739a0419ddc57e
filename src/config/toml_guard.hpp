// Reading TOML text safely with toml++ 3.3.0 (Debian 12): a UTF-8 byte-order mark is skipped, and
// text that would lead toml++ into undefined behaviour is refused before it sees it.
#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "util/result.hpp"

namespace config {

// The document's root table; errors are ErrorCode::config and name SOURCE:LINE:COLUMN.
util::Result<toml::table> read_toml(std::string_view text, const std::string& source);

} // namespace config
