#include "util/url.hpp"

namespace util {

std::string redact_url(std::string_view text) {
    // "scheme://user:secret@host" -> "scheme://<redacted>@host", wherever it occurs in the text.
    std::string out(text);
    std::size_t pos = 0;
    while ((pos = out.find("://", pos)) != std::string::npos) {
        const std::size_t start = pos + 3;
        const std::size_t end = out.find_first_of("/?# \t\"'", start);
        const std::size_t at = out.find('@', start);
        if (at != std::string::npos && (end == std::string::npos || at < end)) {
            out.replace(start, at - start, "<redacted>");
        }
        pos = start;
    }
    return out;
}

} // namespace util
