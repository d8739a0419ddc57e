#include "cli/output.hpp"

#include <cstdio>

#include "util/result.hpp"

namespace cli {

std::string terminal_safe(std::string_view text) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    const auto escape = [&out](unsigned char byte) {
        out += "\\x";
        out.push_back(k_hex[byte >> 4]);
        out.push_back(k_hex[byte & 0x0f]);
    };
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0 || c < 0x20 || c == 0x7f) {
            escape(c);
            ++i;
        } else if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            escape(c); // a C1 control, e.g. U+009B (CSI)
            escape(static_cast<unsigned char>(text[i + 1]));
            i += 2;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

namespace {
void write_line(std::FILE* stream, const std::string& text) {
    // Keep results and diagnostics in order when both go to the same pipe or file.
    if (stream == stderr) std::fflush(stdout);
    const std::string safe = terminal_safe(text);
    std::fwrite(safe.data(), 1, safe.size(), stream);
    std::fputc('\n', stream);
}
// Carriage return and "erase to end of line" (ECMA-48 EL): VT100 and every terminal since.
constexpr const char* k_erase_line = "\r\x1b[K";
} // namespace

void Output::status(const std::string& text) const {
    if (!shows_status() || (m_status_shown && text == m_status_text)) return;
    std::fflush(stdout);
    std::fputs(k_erase_line, stderr); // our own escape sequence, written as is
    std::fputs(("scepctl: " + terminal_safe(text)).c_str(), stderr);
    std::fflush(stderr);
    m_status_shown = true;
    m_status_text = text;
}

void Output::clear_status() const {
    if (!m_status_shown) return;
    std::fputs(k_erase_line, stderr);
    std::fflush(stderr);
    m_status_shown = false;
}

void Output::line(const std::string& text) const {
    clear_status(); // stdout and stderr are often the same terminal
    if (!m_options.json) write_line(m_options.results_to_stderr ? stderr : stdout, text);
}

void Output::json(const Json& value) const {
    clear_status();
    if (m_options.json) {
        Json versioned = value;
        if (versioned.is_object()) versioned.prepend("schema_version", k_json_schema_version);
        write_line(stdout, versioned.dump());
        m_json_written = true;
    }
}

void Output::note(const std::string& text) const {
    clear_status();
    if (!m_options.quiet) write_line(stderr, "scepctl: " + text);
}

void Output::warning(const std::string& text) const {
    clear_status();
    if (!m_options.quiet) write_line(stderr, "scepctl: warning: " + text);
}

void Output::trace(const std::string& text) const {
    if (!m_options.verbose) return;
    clear_status();
    write_line(stderr, text);
}

void Output::error(const util::Error& error, int exit_code, const Json* result) const {
    clear_status();
    write_line(stderr, "scepctl: error: " + error.text());
    if (m_options.verbose) {
        for (const auto& detail : error.details)
            write_line(stderr, "scepctl:   " + detail);
    }
    if (m_options.json && !m_json_written) {
        Json body = Json::object();
        body.set("code", util::to_string(error.code)).set("exit_code", exit_code).set("message", error.text());
        if (!error.fix.empty()) body.set("fix", error.fix);
        if (error.http_status) body.set("http_status", *error.http_status);
        if (error.fail_info) body.set("fail_info", *error.fail_info);
        Json root = result != nullptr ? *result : Json::object();
        root.prepend("schema_version", k_json_schema_version);
        root.set("error", std::move(body));
        write_line(stdout, root.dump());
    }
}

} // namespace cli
