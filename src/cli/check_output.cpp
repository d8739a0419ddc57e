#include "cli/check_output.hpp"

#include "cli/exit_codes.hpp"

namespace cli {

void print_check(const Output& out, const diag::CheckResult& result) {
    std::string line = std::string(diag::to_string(result.status)) + "  " + result.id + ": " + result.summary;
    if (!result.evidence.empty()) line += " [" + result.evidence + "]";
    out.line(line);
    if (!result.information.empty()) out.line("      info: " + result.information);
    if (!result.fix.empty() && (result.status == diag::CheckStatus::fail || result.status == diag::CheckStatus::warn)) {
        out.line("      fix: " + result.fix);
    }
}

Json checks_json(const std::vector<diag::CheckResult>& results) {
    const auto text_or_null = [](const std::string& text) { return text.empty() ? Json() : Json(text); };
    Json checks = Json::array();
    for (const auto& r : results) {
        Json item = Json::object();
        item.set("id", r.id)
            .set("status", diag::to_string(r.status))
            .set("summary", r.summary)
            .set("evidence", r.evidence)
            .set("krb5_error", text_or_null(r.krb5_error))
            .set("http_status", r.http_status ? Json(*r.http_status) : Json())
            .set("spn", text_or_null(r.spn))
            .set("fix", text_or_null(r.fix))
            .set("information", text_or_null(r.information))
            .set("seconds", r.seconds);
        checks.push(std::move(item));
    }
    return checks;
}

util::Result<void> finish_checks(Run& run, Json result, const diag::Report& report) {
    const diag::CheckResult* first = report.first_failure();
    util::Result<void> outcome = report.outcome();
    result.set("result", first == nullptr ? "PASS" : "FAIL")
        .set("exit_code", outcome ? 0 : exit_code_for(outcome.error()))
        .set("first_failure", first == nullptr ? Json() : Json(first->id))
        .set("checks", checks_json(report.results()));
    if (outcome) {
        run.out.json(result);
        return {};
    }
    run.result_on_error = std::move(result); // written with its "error" object
    return outcome;
}

} // namespace cli
