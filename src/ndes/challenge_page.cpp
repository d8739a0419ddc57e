#include "ndes/challenge_page.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace ndes {

namespace {

using util::ByteView;
using util::Error;
using util::ErrorCode;

// The encoding guess looks at the start only: the markup there is ASCII, so UTF-16 shows as NULs.
constexpr std::size_t k_sniff_bytes = 4096;
constexpr std::size_t k_max_title = 80;
constexpr std::size_t k_min_password = 8;
constexpr std::size_t k_max_password = 32;

// Lower case, single spaces: matched against the lowered, whitespace-collapsed page.
constexpr std::string_view k_anchor = "enrollment challenge password is";
constexpr std::string_view k_cache_full = "the password cache is full";
constexpr std::string_view k_no_permission = "you do not have sufficient permission to enroll with scep";

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// NULs are dropped: they carry no text and would cut the page short for C-string consumers.
void append_ascii(std::string& out, std::uint32_t code_point) {
    if (code_point == 0) return;
    out.push_back(code_point < 0x80 ? static_cast<char>(code_point) : '?');
}

std::string decode_utf16(ByteView body, bool little_endian) {
    const auto unit_at = [&](std::size_t index) -> std::uint32_t {
        const std::uint32_t first = body[2 * index];
        const std::uint32_t second = body[2 * index + 1];
        return little_endian ? (first | (second << 8)) : ((first << 8) | second);
    };
    // A trailing odd byte is half a code unit: dropped.
    const std::size_t units = body.size() / 2;
    std::string out;
    out.reserve(units);
    for (std::size_t i = 0; i < units; ++i) {
        const std::uint32_t unit = unit_at(i);
        // A surrogate pair is one character, so one '?'; a lone surrogate is a '?' of its own.
        if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < units) {
            const std::uint32_t next = unit_at(i + 1);
            if (next >= 0xDC00 && next <= 0xDFFF) ++i;
        }
        append_ascii(out, unit);
    }
    return out;
}

// Bytes in a well-formed UTF-8 sequence starting at index, or 1 for a stray (Latin-1) byte.
std::size_t utf8_sequence_length(ByteView body, std::size_t index) {
    const std::uint8_t lead = body[index];
    std::size_t length = 1;
    if (lead >= 0xC2 && lead <= 0xDF)
        length = 2;
    else if (lead >= 0xE0 && lead <= 0xEF)
        length = 3;
    else if (lead >= 0xF0 && lead <= 0xF4)
        length = 4;
    if (length > body.size() - index) return 1;
    for (std::size_t k = 1; k < length; ++k) {
        if ((body[index + k] & 0xC0) != 0x80) return 1;
    }
    return length;
}

std::string decode_8bit(ByteView body) {
    std::string out;
    out.reserve(body.size());
    std::size_t i = 0;
    while (i < body.size()) {
        if (body[i] < 0x80) {
            append_ascii(out, body[i]);
            ++i;
        } else {
            out.push_back('?');
            i += utf8_sequence_length(body, i);
        }
    }
    return out;
}

// At least 30% NULs at offsets of this parity: ASCII text as UTF-16 has a NUL in every other byte.
bool mostly_nul(ByteView sample, std::size_t parity) {
    std::size_t count = 0;
    std::size_t nuls = 0;
    for (std::size_t i = parity; i < sample.size(); i += 2) {
        ++count;
        if (sample[i] == 0) ++nuls;
    }
    return count > 0 && nuls * 10 >= count * 3;
}

bool starts_with(ByteView body, std::initializer_list<std::uint8_t> prefix) {
    if (body.size() < prefix.size()) return false;
    std::size_t i = 0;
    for (const auto byte : prefix) {
        if (body[i++] != byte) return false;
    }
    return true;
}

// The page holds the challenge: every copy made of it here is wiped when it goes.
using PageText = std::basic_string<char, std::char_traits<char>, util::CleansingAllocator<char>>;

// Whitespace runs become one space, so phrases match across HTML line wraps.
PageText collapse_whitespace(std::string_view text) {
    PageText out;
    out.reserve(text.size());
    for (const char c : text) {
        if (!is_space(c))
            out.push_back(c);
        else if (out.empty() || out.back() != ' ')
            out.push_back(' ');
    }
    return out;
}

bool is_password(std::string_view value) {
    if (value.size() < k_min_password || value.size() > k_max_password || value.size() % 2 != 0) return false;
    for (const char c : value) {
        if (!is_hex(c)) return false;
    }
    return true;
}

// The <title> text, made safe for a one-line message; "(no title)" if there is none.
std::string page_title(std::string_view text, std::string_view lower) {
    constexpr std::string_view k_no_title = "(no title)";
    std::size_t open = lower.find("<title");
    while (open != std::string_view::npos) {
        const std::size_t after = open + 6;
        if (after < lower.size() && (lower[after] == '>' || lower[after] == ' ')) break;
        open = lower.find("<title", after);
    }
    if (open == std::string_view::npos) return std::string(k_no_title);
    const std::size_t start = lower.find('>', open);
    if (start == std::string_view::npos) return std::string(k_no_title);
    const std::size_t end = lower.find("</title", start + 1);
    if (end == std::string_view::npos) return std::string(k_no_title);

    std::string title(util::trim_ascii(text.substr(start + 1, end - start - 1)));
    if (title.empty()) return std::string(k_no_title);
    for (auto& c : title) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7F) c = '?';
    }
    if (title.size() > k_max_title) title = title.substr(0, k_max_title - 3) + "...";
    return title;
}

Error unavailable(std::string message, std::string fix = {}) {
    return Error(ErrorCode::challenge_unavailable, std::move(message)).with_fix(std::move(fix));
}

} // namespace

std::string decode_page(ByteView body) {
    if (starts_with(body, {0xFF, 0xFE})) return decode_utf16(body.subspan(2), true);
    if (starts_with(body, {0xFE, 0xFF})) return decode_utf16(body.subspan(2), false);
    if (starts_with(body, {0xEF, 0xBB, 0xBF})) return decode_8bit(body.subspan(3));

    // Real NDES often sends UTF-16LE without a BOM, whatever its headers say.
    const ByteView sample = body.first(std::min(body.size(), k_sniff_bytes));
    if (mostly_nul(sample, 1)) return decode_utf16(body, true);
    if (mostly_nul(sample, 0)) return decode_utf16(body, false);
    return decode_8bit(body);
}

util::Result<util::Secret> parse_challenge_page(std::string_view page_text) {
    const PageText text = collapse_whitespace(page_text);
    PageText lower = text;
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }

    // Anchor on the wording, never on the first hex run: the CA's MD5 thumbprint comes earlier.
    if (const std::size_t anchor = lower.find(k_anchor); anchor != PageText::npos) {
        const std::size_t open = lower.find("<b>", anchor + k_anchor.size());
        if (open != PageText::npos) {
            const std::size_t value_start = open + 3;
            const std::size_t close = lower.find("</b>", value_start);
            if (close != PageText::npos) {
                const auto value = util::trim_ascii(std::string_view(text).substr(value_start, close - value_start));
                if (is_password(value)) return util::Secret(value);
            }
        }
        // The field may hold a secret in an unexpected shape: keep it out of the message.
        return unavailable("challenge page: the password field is not 8-32 hex characters");
    }
    // Same order as Fleet: a full cache says nothing about permissions.
    if (lower.find(k_cache_full) != PageText::npos) {
        return unavailable("NDES: the password cache is full",
                           "wait PasswordValidity minutes (default 60) for unused passwords to expire, or raise "
                           "PasswordMax in HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP, then restart IIS "
                           "(iisreset)");
    }
    if (lower.find(k_no_permission) != PageText::npos) {
        return unavailable("NDES: the account may not enroll",
                           "give it Read and Enroll permission on the certificate templates named in the MSCEP "
                           "registry keys (SignatureTemplate, EncryptionTemplate, GeneralPurposeTemplate)");
    }
    return unavailable("NDES admin page not understood (title: '" + page_title(text, lower) + "')");
}

} // namespace ndes
