#include "scep/caps.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>

#include "scep/util.hpp"
#include "scep/transport.hpp"

namespace scep {

namespace {
// RFC 8894 §3.5.2, Table 5.
constexpr std::array<std::string_view, 9> k_known{"AES",   "DES3",    "GetNextCACert", "POSTPKIOperation", "Renewal",
                                                  "SHA-1", "SHA-256", "SHA-512",       "SCEPStandard"};
constexpr std::array<std::string_view, 3> k_implied_by_standard{"AES", "POSTPKIOperation", "SHA-256"};

// RFC 8894 §3.5.2 defines nine keywords; a list longer than this is something else.
constexpr std::size_t k_max_keywords = 256;

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}
} // namespace

Capabilities Capabilities::parse(std::string_view body) {
    Capabilities caps;
    // Duplicates are found by hash, not by comparing with every keyword so far: a hostile body of
    // 8 MiB of distinct tokens would otherwise keep the parser busy for hours.
    std::unordered_set<std::string> seen;
    std::size_t pos = 0;
    const auto is_space = [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
    };
    while (pos < body.size()) {
        while (pos < body.size() && is_space(body[pos]))
            ++pos;
        std::size_t end = pos;
        while (end < body.size() && !is_space(body[end]))
            ++end;
        if (end > pos) {
            const std::string_view keyword = body.substr(pos, end - pos);
            if (seen.insert(to_lower_ascii(keyword)).second) caps.m_keywords.emplace_back(keyword);
        }
        pos = end;
    }
    return caps;
}

Result<Capabilities> Capabilities::parse_reply(ByteView body, std::string_view content_type) {
    const std::string type = media_type(content_type);
    if (type == "text/html" || type == "application/xhtml+xml") {
        return Error(ErrorCode::bad_reply, "server sent Content-Type '" + std::string(trim_ascii(content_type)) +
                                               "' for GetCACaps, expected text/plain (is the URL the SCEP endpoint?)");
    }
    std::string_view text = as_chars(body);
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool printable = c >= 0x20 && c < 0x7f;
        const bool space = c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
        if (!printable && !space) {
            static constexpr char k_hex[] = "0123456789abcdef";
            return Error(ErrorCode::bad_reply,
                         std::string("GetCACaps reply is not a capability list: binary data (byte 0x") + k_hex[c >> 4] +
                             k_hex[c & 0xf] + " at offset " + std::to_string(i + body.size() - text.size()) + ")");
        }
    }
    Capabilities caps = parse(text);
    if (caps.m_keywords.size() > k_max_keywords) {
        return Error(ErrorCode::bad_reply,
                     "GetCACaps reply is not a capability list: " + std::to_string(caps.m_keywords.size()) +
                         " different keywords (RFC 8894 defines 9; is the URL the SCEP endpoint?)");
    }
    return caps;
}

bool Capabilities::has_literal(std::string_view keyword) const {
    for (const auto& k : m_keywords) {
        if (iequals(k, keyword)) return true;
    }
    return false;
}

bool Capabilities::has(std::string_view keyword) const {
    if (has_literal(keyword)) return true;
    for (auto implied : k_implied_by_standard) {
        if (iequals(implied, keyword)) return has_literal("SCEPStandard");
    }
    return false;
}

bool Capabilities::is_known(std::string_view keyword) {
    for (auto k : k_known) {
        if (iequals(k, keyword)) return true;
    }
    return false;
}

std::vector<std::string> Capabilities::unknown() const {
    std::vector<std::string> result;
    for (const auto& k : m_keywords) {
        if (!is_known(k)) result.push_back(k);
    }
    return result;
}

std::vector<std::string> Capabilities::implied() const {
    std::vector<std::string> result;
    if (!has_literal("SCEPStandard")) return result;
    for (auto k : k_implied_by_standard) {
        if (!has_literal(k)) result.emplace_back(k);
    }
    return result;
}

} // namespace scep
