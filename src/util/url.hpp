// URLs in what scepctl shows: user info never appears.
#pragma once

#include <string>
#include <string_view>

namespace util {

// "scheme://user:secret@host" -> "scheme://<redacted>@host", wherever it occurs in `text`.
std::string redact_url(std::string_view text);

} // namespace util
