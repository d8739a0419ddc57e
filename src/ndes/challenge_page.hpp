// The NDES admin page (/certsrv/mscep_admin/): decoding and reading the one-time challenge.
// Pure functions over bytes: fetching (and authenticating) is the transport's job.
#pragma once

#include <string>
#include <string_view>

#include "util/bytes.hpp"
#include "util/result.hpp"
#include "util/secret.hpp"

namespace ndes {

// The page as text. Real NDES sends UTF-16LE, with or without a BOM, whatever its meta tag and
// Content-Type claim; some proxies re-encode to UTF-8. Detects the BOM (UTF-16LE/BE, UTF-8),
// else guesses UTF-16LE/BE from NUL bytes at odd/even offsets, else treats it as UTF-8/Latin-1.
// Non-ASCII characters become '?': everything we look for is ASCII.
std::string decode_page(util::ByteView body);

// The challenge password on a decoded page: the <B>...</B> text after "The enrollment challenge
// password is" (never the first hex run: the CA thumbprint comes earlier), 8-32 hex characters.
// Errors have code ErrorCode::challenge_unavailable and name the cause and the fix:
// "The password cache is full" (wait PasswordValidity minutes or raise PasswordMax, restart IIS),
// "You do not have sufficient permission to enroll with SCEP" (give the account Read+Enroll on the
// templates named in the MSCEP registry keys), or "page not understood" with the page's <title>.
// The page text (it holds the challenge) is only read; copies made of it here are wiped.
util::Result<util::Secret> parse_challenge_page(std::string_view page_text);

} // namespace ndes
