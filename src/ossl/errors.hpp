#pragma once

#include <string>

#include "scep/result.hpp"

namespace ossl {

// Drains OpenSSL's thread-local error queue into `error`'s detail lines; call at the failure site
// so errors from one operation never leak into the next one's report.
scep::Error drain_into(scep::Error error);
// Shorthand: make an error with `code` and `message`, with the drained OpenSSL queue as details.
scep::Error error(scep::ErrorCode code, std::string message);
// Empties the queue without reporting (after an expected failure such as a probe).
void clear_errors();

} // namespace ossl
