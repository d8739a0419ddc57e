// scepctl decode: what a captured SCEP message holds (RFC 8894 §3, §4.2), and the findings that
// explain a failure. Decoding is scep::decode; the files and the server are workflow::run_decode's.
#include "cli/app.hpp"
#include "cli/decode_output.hpp"
#include "workflow/decode.hpp"

namespace cli {

util::Result<void> run_decode(Run& run) {
    std::string input = run.options.text("file").value_or("-");
    SCEP_TRY(const workflow::DecodePlan plan, workflow::plan_decode(run.options, input, run.with.events));
    SCEP_TRY(const workflow::DecodeOutcome outcome, workflow::run_decode(plan, run.with));
    const scep::Decoded& decoded = outcome.decoded;

    const Output& out = run.out;
    if (!outcome.bundle_source.empty()) out.note("CA/RA bundle: " + outcome.bundle_source);
    print_decoded(out, decoded);
    Json result = decoded_json(decoded);
    result.prepend("command", "decode");
    result.set("source", input == "-" ? Json("-") : Json(input))
        .set("ca_bundle_source", outcome.bundle_source.empty() ? Json() : Json(outcome.bundle_source))
        .set("url", outcome.url.empty() ? Json() : Json(outcome.url))
        .set("caps_known", outcome.caps_known);
    out.json(result);
    return {};
}

} // namespace cli
