// Times as scepctl shows and reads them.
#pragma once

#include <ctime>
#include <optional>
#include <string>

namespace util {

// ISO 8601 UTC: "2026-11-23T08:54:03Z".
std::string format_utc(std::time_t t);
// An HTTP Date header (RFC 9110 IMF-fixdate: "Mon, 23 Nov 2026 08:54:03 GMT"); nullopt otherwise.
std::optional<std::time_t> parse_http_date(const std::string& value);

} // namespace util
