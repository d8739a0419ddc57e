#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace util {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string to_hex(ByteView data);                         // lowercase, no separators
std::string to_hex_grouped(ByteView data, char separator); // "AB:CD:..." upper case
std::string base64_encode(ByteView data);                  // standard alphabet, padded (RFC 8894 §4.1)
std::optional<Bytes> base64_decode(std::string_view text); // standard alphabet, padded; nullopt if malformed
// Percent-encodes everything outside RFC 3986 unreserved characters.
std::string percent_encode(std::string_view text);
std::string to_lower_ascii(std::string_view text);
std::string to_upper_ascii(std::string_view text);
std::string_view trim_ascii(std::string_view text);

} // namespace util
