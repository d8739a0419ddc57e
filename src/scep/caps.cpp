#include "scep/caps.hpp"

#include <array>

#include "scep/bytes.hpp"

namespace scep {

namespace {
// RFC 8894 §3.5.2, Table 5.
constexpr std::array<std::string_view, 9> k_known{
    "AES", "DES3", "GetNextCACert", "POSTPKIOperation", "Renewal", "SHA-1", "SHA-256", "SHA-512", "SCEPStandard"};
constexpr std::array<std::string_view, 3> k_implied_by_standard{"AES", "POSTPKIOperation", "SHA-256"};

bool iequals(std::string_view a, std::string_view b) { return to_lower_ascii(a) == to_lower_ascii(b); }
} // namespace

Capabilities Capabilities::parse(std::string_view body) {
    Capabilities caps;
    std::size_t pos = 0;
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
    while (pos < body.size()) {
        while (pos < body.size() && is_space(body[pos])) ++pos;
        std::size_t end = pos;
        while (end < body.size() && !is_space(body[end])) ++end;
        if (end > pos) {
            const std::string_view keyword = body.substr(pos, end - pos);
            if (!caps.has_literal(keyword)) caps.m_keywords.emplace_back(keyword);
        }
        pos = end;
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
