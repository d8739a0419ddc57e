// How `scepctl decode` shows a decoded message: text lines and the --json object. Everything in a
// scep::Decoded is outside data: text goes through Output (terminal_safe), JSON is escaped. A
// challenge password is shown only as "<present>": the decoder never reads its value.
#pragma once

#include "cli/json.hpp"
#include "cli/output.hpp"
#include "scep/decode.hpp"

namespace cli {

void print_decoded(const Output& out, const scep::Decoded& decoded);
Json decoded_json(const scep::Decoded& decoded);

} // namespace cli
