#include "diag/report.hpp"

#include <algorithm>
#include <cstdio>

#include "store/atomic_file.hpp"

namespace diag {

using util::Error;
using util::ErrorCode;

const char* to_string(CheckStatus status) {
    switch (status) {
    case CheckStatus::pass: return "PASS";
    case CheckStatus::warn: return "WARN";
    case CheckStatus::fail: return "FAIL";
    case CheckStatus::skip: return "SKIP";
    }
    return "?";
}

Report::Report(const workflow::Clock& clock, ErrorCode default_failure,
               std::function<void(const CheckResult&)> on_result)
    : m_clock(clock), m_default_failure(default_failure), m_on_result(std::move(on_result)), m_last(clock.now()) {}

void Report::add(CheckResult result) {
    const auto now = m_clock.now();
    result.seconds = std::chrono::duration<double>(now - m_last).count();
    m_last = now;
    for (const std::string& id : {result.id, m_prefix + result.id}) {
        if (std::find(m_skipped.begin(), m_skipped.end(), id) == m_skipped.end()) continue;
        m_skips_matched.push_back(id);
        if (result.status != CheckStatus::skip) {
            result.summary =
                "not judged (--skip-check), " + std::string(to_string(result.status)) + ": " + result.summary;
            result.status = CheckStatus::skip;
            result.error_code.reset();
        }
    }
    if (result.status == CheckStatus::pass || result.status == CheckStatus::skip) result.fix.clear(); // nothing to fix
    if (result.status == CheckStatus::fail) {
        m_failed_ids.push_back(result.id);
        if (!result.error_code) result.error_code = m_default_failure;
    }
    result.id = m_prefix + result.id;
    if (m_on_result) m_on_result(result);
    m_results.push_back(std::move(result));
}

std::vector<std::string> Report::unmatched_skips() const {
    std::vector<std::string> unmatched;
    for (const auto& id : m_skipped) {
        if (std::find(m_skips_matched.begin(), m_skips_matched.end(), id) == m_skips_matched.end())
            unmatched.push_back(id);
    }
    return unmatched;
}

std::size_t Report::failures() const {
    return static_cast<std::size_t>(std::count_if(m_results.begin(), m_results.end(),
                                                  [](const CheckResult& r) { return r.status == CheckStatus::fail; }));
}

const CheckResult* Report::first_failure() const {
    for (const auto& r : m_results) {
        if (r.status == CheckStatus::fail) return &r;
    }
    return nullptr;
}

bool Report::failed(std::string_view id) const {
    return std::find(m_failed_ids.begin(), m_failed_ids.end(), id) != m_failed_ids.end();
}

util::Result<void> Report::outcome() const {
    const CheckResult* first = first_failure();
    if (first == nullptr) return {};
    Error error(first->error_code.value_or(m_default_failure),
                std::to_string(failures()) + " check(s) failed; first: " + first->id + ": " + first->summary);
    error.fail_info = first->fail_info;
    error.http_status = first->http_status;
    return error;
}

namespace {

// Length of the UTF-8 sequence starting at text[i] if it is valid and allowed in XML 1.0, else 0.
std::size_t valid_utf8_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF; // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;  // no overlong forms
        if (lead == 0xED) high = 0x9F; // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F; // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    if (byte(i + 1) < low || byte(i + 1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    }
    // U+FFFE and U+FFFF are not XML characters.
    if (length == 3 && lead == 0xEF && byte(i + 1) == 0xBF && byte(i + 2) >= 0xBE) return 0;
    return length;
}

} // namespace

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            // As references, so that attribute-value normalisation keeps them.
            case '\t': out += "&#9;"; break;
            case '\n': out += "&#10;"; break;
            case '\r': out += "&#13;"; break;
            default: out += c < 0x20 || c == 0x7F ? '?' : static_cast<char>(c); break;
            }
            ++i;
            continue;
        }
        const std::size_t length = valid_utf8_length(text, i);
        if (length == 0) {
            out += '?';
            ++i;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

std::string junit_xml(std::string_view suite, const std::vector<CheckResult>& results) {
    std::size_t failures = 0, skipped = 0;
    double total = 0;
    for (const auto& r : results) {
        failures += r.status == CheckStatus::fail ? 1 : 0;
        skipped += r.status == CheckStatus::skip ? 1 : 0;
        total += r.seconds;
    }
    const auto seconds = [](double s) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", s);
        return std::string(buf);
    };
    const std::string name = xml_escape(suite);
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml += "<testsuites name=\"" + name + "\" tests=\"" + std::to_string(results.size()) + "\" failures=\"" +
           std::to_string(failures) + "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
           seconds(total) + "\">\n";
    xml += "  <testsuite name=\"" + name + "\" tests=\"" + std::to_string(results.size()) + "\" failures=\"" +
           std::to_string(failures) + "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
           seconds(total) + "\">\n";
    for (const auto& r : results) {
        xml += "    <testcase classname=\"" + name + "\" name=\"" + xml_escape(r.id) + "\" time=\"" +
               seconds(r.seconds) + "\">\n";
        if (r.status == CheckStatus::fail) {
            xml += "      <failure message=\"" + xml_escape(r.summary) + "\" type=\"FAIL\">" +
                   xml_escape(r.fix.empty() ? r.summary : "fix: " + r.fix) + "</failure>\n";
        } else if (r.status == CheckStatus::skip) {
            xml += "      <skipped message=\"" + xml_escape(r.summary) + "\"/>\n";
        }
        std::string text = std::string(to_string(r.status)) + ": " + r.summary;
        if (!r.evidence.empty()) text += "\nevidence: " + r.evidence;
        if (!r.information.empty()) text += "\ninfo: " + r.information;
        if (!r.fix.empty() && r.status != CheckStatus::pass) text += "\nfix: " + r.fix;
        xml += "      <system-out>" + xml_escape(text) + "</system-out>\n";
        xml += "    </testcase>\n";
    }
    xml += "  </testsuite>\n</testsuites>\n";
    return xml;
}

util::Result<void> write_junit(const std::filesystem::path& path, std::string_view suite,
                               const std::vector<CheckResult>& results) {
    return store::write_file_atomic(path, util::as_bytes(junit_xml(suite, results)), 0644, store::Overwrite::replace);
}

} // namespace diag
