// Input detection for `scepctl decode`: DER, PEM or base64 in the forms troubleshooters copy it
// from (an IIS log's `message=` query, a URL, a proxy's body dump, a PEM file).
#include <algorithm>
#include <cctype>

#include "scep/decode.hpp"

namespace scep {

namespace {

// A pkiMessage is a few KiB; a GetCACert bundle of 32 certificates well under 1 MiB.
constexpr std::size_t k_max_input = 8 * 1024 * 1024;

bool is_text(ByteView input) {
    return std::all_of(input.begin(), input.end(),
                       [](std::uint8_t c) { return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t'; });
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The value of a `message=` parameter (RFC 8894 §4.1: GET PKIOperation) anywhere in the text: a
// whole URL, a query, or an IIS log line whose cs-uri-query field holds it.
std::optional<std::string_view> message_parameter(std::string_view text) {
    const std::string lower = to_lower_ascii(text);
    for (std::size_t at = lower.find("message="); at != std::string::npos; at = lower.find("message=", at + 1)) {
        if (at != 0 && lower[at - 1] != '?' && lower[at - 1] != '&' && !is_space(lower[at - 1])) continue;
        const std::size_t start = at + 8;
        std::size_t end = start;
        while (end < text.size() && text[end] != '&' && !is_space(text[end]) && text[end] != '"')
            ++end;
        return text.substr(start, end - start);
    }
    return std::nullopt;
}

// Decodes %XX escapes; false on a '%' without two hex digits after it.
bool percent_decode(std::string_view text, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        if (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0) return false;
        out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
        i += 2;
    }
    return true;
}

// base64 text in any of the forms above, into `format` and the bytes.
Result<Bytes> decode_base64_text(std::string_view text, InputFormat& format) {
    std::string decoded;
    if (text.find('%') != std::string_view::npos) {
        if (!percent_decode(text, decoded))
            return Error(ErrorCode::bad_reply, "input has a '%' that is not a URL escape (%XX)");
        format.url_encoded = true;
        text = decoded;
    }
    const std::string_view trimmed = trim_ascii(text);
    std::string compact;
    for (char c : trimmed) {
        if (c == '\n' || c == '\r') format.line_wrapped = true;
        if (!is_space(c)) compact.push_back(c);
    }
    if (compact.find_first_of("-_") != std::string::npos) {
        format.base64url = true;
        std::replace(compact.begin(), compact.end(), '-', '+');
        std::replace(compact.begin(), compact.end(), '_', '/');
    }
    while (compact.size() % 4 != 0)
        compact.push_back('=');
    auto bytes = base64_decode(compact);
    if (!bytes || bytes->empty()) {
        return Error(ErrorCode::bad_reply, "input is text but neither PEM nor base64 (nor a URL or log line with "
                                           "a message= parameter)");
    }
    return std::move(*bytes);
}

struct PemBlock {
    std::string label;
    Bytes der;
};

// Every "-----BEGIN X-----" ... "-----END X-----" block; encapsulated headers (RFC 1421) skipped.
Result<std::vector<PemBlock>> pem_blocks(std::string_view text) {
    std::vector<PemBlock> blocks;
    constexpr std::string_view k_begin = "-----BEGIN ";
    for (std::size_t at = text.find(k_begin); at != std::string_view::npos; at = text.find(k_begin, at)) {
        const std::size_t label_start = at + k_begin.size();
        const std::size_t label_end = text.find("-----", label_start);
        if (label_end == std::string_view::npos) break;
        PemBlock block{std::string(text.substr(label_start, label_end - label_start)), {}};
        const std::string end_line = "-----END " + block.label + "-----";
        const std::size_t body_start = label_end + 5;
        const std::size_t body_end = text.find(end_line, body_start);
        if (body_end == std::string_view::npos) {
            return Error(ErrorCode::bad_reply, "PEM block '" + block.label + "' has no END line");
        }
        std::string body;
        std::size_t line_start = body_start;
        while (line_start < body_end) {
            std::size_t line_end = std::min(text.find('\n', line_start), body_end);
            const std::string_view line = text.substr(line_start, line_end - line_start);
            if (line.find(':') == std::string_view::npos) body.append(line);
            line_start = line_end + 1;
        }
        InputFormat ignored;
        auto der = decode_base64_text(body, ignored);
        if (!der || ignored.base64url || ignored.url_encoded) {
            return Error(ErrorCode::bad_reply, "PEM block '" + block.label + "' is not valid base64");
        }
        block.der = std::move(der).value();
        blocks.push_back(std::move(block));
        at = body_end + end_line.size();
    }
    if (blocks.empty()) return Error(ErrorCode::bad_reply, "PEM text without a complete BEGIN/END block");
    return blocks;
}

Result<DetectedInput> detect_pem(std::string_view text) {
    SCEP_TRY(auto blocks, pem_blocks(text));
    DetectedInput detected;
    detected.format.encoding = InputEncoding::pem;
    detected.format.pem_label = blocks.front().label;
    detected.der = blocks.front().der;
    if (blocks.front().label == "CERTIFICATE" || blocks.front().label == "X509 CERTIFICATE") {
        for (auto& block : blocks) {
            if (block.label == blocks.front().label) detected.pem_certificates.push_back(std::move(block.der));
        }
    }
    return detected;
}

} // namespace

std::string to_string(InputEncoding encoding) {
    switch (encoding) {
    case InputEncoding::der: return "DER";
    case InputEncoding::pem: return "PEM";
    case InputEncoding::base64: return "base64";
    }
    return "unknown";
}

std::string describe(const InputFormat& format) {
    std::string text;
    if (format.encoding == InputEncoding::pem) {
        text = "PEM (" + format.pem_label + ")";
    } else if (format.encoding == InputEncoding::der) {
        text = "DER";
    } else {
        text = std::string(format.url_encoded ? "URL-encoded " : "") + (format.base64url ? "base64url" : "base64");
        if (format.from_message_query) text += " from a message= query";
        if (format.line_wrapped) text += ", line-wrapped";
    }
    return text + ", " + std::to_string(format.der_size) + " bytes";
}

Result<DetectedInput> detect_input(ByteView input) {
    if (input.empty()) return Error(ErrorCode::bad_reply, "input is empty");
    if (input.size() > k_max_input) {
        return Error(ErrorCode::bad_reply, "input is " + std::to_string(input.size()) +
                                               " bytes; a SCEP message is a few KiB (at most 8 MiB are read)");
    }
    if (input.size() >= 3 && input[0] == 0xef && input[1] == 0xbb && input[2] == 0xbf) input = input.subspan(3);
    if (!is_text(input)) {
        if (input[0] != 0x30) {
            return Error(ErrorCode::bad_reply, "input is binary but not DER (it does not start with a SEQUENCE)");
        }
        DetectedInput detected;
        detected.der.assign(input.begin(), input.end());
        detected.format.der_size = detected.der.size();
        return detected;
    }
    std::string_view text = as_chars(input);
    DetectedInput detected;
    if (text.find("-----BEGIN ") != std::string_view::npos) {
        SCEP_TRY(detected, detect_pem(text));
    } else {
        detected.format.encoding = InputEncoding::base64;
        const auto message = message_parameter(text);
        if (message) {
            detected.format.from_message_query = true;
            text = *message;
        } else if (text.find('?') != std::string_view::npos && text.find("://") != std::string_view::npos) {
            return Error(ErrorCode::bad_reply, "input is a URL without a message= parameter: nothing to decode");
        }
        SCEP_TRY(detected.der, decode_base64_text(text, detected.format));
    }
    if (detected.der.empty() || detected.der[0] != 0x30) {
        return Error(ErrorCode::bad_reply,
                     "input is " + to_string(detected.format.encoding) + " of data that is not DER (no SEQUENCE)");
    }
    detected.format.der_size = detected.der.size();
    return detected;
}

} // namespace scep
