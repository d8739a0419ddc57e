#pragma once

#include <string>

#include "util/result.hpp"

namespace ossl {

// Drains OpenSSL's thread-local error queue into `error`'s detail lines; call at the failure site
// so errors from one operation never leak into the next one's report.
util::Error drain_into(util::Error error);
// Shorthand: make an error with `code` and `message`, with the drained OpenSSL queue as details.
util::Error error(util::ErrorCode code, std::string message);
// Empties the queue without reporting (after an expected failure such as a probe).
void clear_errors();

} // namespace ossl
