// The bottom layer's vocabulary (include/util/), used unqualified throughout the protocol code.
// Every other layer names these types util::.
#pragma once

#include "util/bytes.hpp"
#include "util/result.hpp"
#include "util/secret.hpp"

namespace scep {

using util::as_bytes;
using util::as_chars;
using util::base64_decode;
using util::base64_encode;
using util::Bytes;
using util::ByteView;
using util::Error;
using util::ErrorCode;
using util::percent_encode;
using util::Result;
using util::Secret;
using util::SecureBytes;
using util::to_hex;
using util::to_hex_grouped;
using util::to_lower_ascii;
using util::to_upper_ascii;
using util::trim_ascii;
using util::wipe;

} // namespace scep
