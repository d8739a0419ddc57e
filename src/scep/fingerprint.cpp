#include <array>
#include <optional>
#include <utility>

#include "scep/certificate.hpp"

namespace scep {

namespace {

struct Prefix {
    std::string_view name;
    DigestAlg alg;
};
constexpr std::array<Prefix, 5> k_prefixes{{
    {"sha256", DigestAlg::sha256},
    {"sha-256", DigestAlg::sha256},
    {"sha1", DigestAlg::sha1},
    {"sha-1", DigestAlg::sha1},
    {"md5", DigestAlg::md5},
}};

std::size_t digest_size(DigestAlg alg) {
    switch (alg) {
    case DigestAlg::sha256: return 32;
    case DigestAlg::sha1: return 20;
    case DigestAlg::md5: return 16;
    }
    return 0;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// openssl x509 -fingerprint prints "sha256 Fingerprint=AB:CD:..." (OpenSSL 1.1: "SHA256
// Fingerprint=..."): the algorithm before " Fingerprint=", the hex after it. nullopt when
// `text` is not such a line.
std::optional<std::pair<std::string, std::string_view>> openssl_fingerprint_line(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string head = to_lower_ascii(trim_ascii(text.substr(0, eq)));
    constexpr std::string_view k_label = " fingerprint";
    if (head.size() <= k_label.size() || head.compare(head.size() - k_label.size(), k_label.size(), k_label) != 0) {
        return std::nullopt;
    }
    return std::pair{std::string(trim_ascii(head.substr(0, head.size() - k_label.size()))), text.substr(eq + 1)};
}

} // namespace

std::string ndes_thumbprint(const Certificate& cert) {
    std::string md5 = to_upper_ascii(to_hex(cert.fingerprint(DigestAlg::md5)));
    for (std::size_t at = 24; at > 0; at -= 8)
        md5.insert(at, " ");
    return md5;
}

bool Fingerprint::matches(const Certificate& cert) const {
    return cert.fingerprint(alg) == value;
}

std::string Fingerprint::to_string() const {
    return scep::to_string(alg) + ":" + to_hex(value);
}

Result<Fingerprint> parse_fingerprint(std::string_view text) {
    const std::string original(trim_ascii(text));
    std::string_view rest = original;
    std::optional<DigestAlg> alg;
    if (const auto line = openssl_fingerprint_line(rest)) {
        for (const auto& prefix : k_prefixes) {
            if (line->first == prefix.name) alg = prefix.alg;
        }
        if (!alg) {
            return Error(ErrorCode::usage, "CA fingerprint '" + original + "' uses " + line->first +
                                               "; only sha256, sha1 and md5 fingerprints are accepted");
        }
        rest = line->second;
    } else if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
        const std::string name = to_lower_ascii(rest.substr(0, colon));
        for (const auto& prefix : k_prefixes) {
            if (name == prefix.name) {
                alg = prefix.alg;
                rest.remove_prefix(colon + 1);
                break;
            }
        }
    }
    std::string hex;
    for (char c : rest) {
        if (c == ':' || c == ' ' || c == '\t') continue;
        if (hex_value(c) < 0) {
            return Error(ErrorCode::usage,
                         "CA fingerprint '" + original + "' is not hex (expected sha256:HEX, sha1:HEX or md5:HEX)");
        }
        hex.push_back(c);
    }
    if (hex.empty() || hex.size() % 2 != 0) {
        return Error(ErrorCode::usage, "CA fingerprint '" + original + "' has an odd or zero number of hex digits");
    }
    Fingerprint fp;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        fp.value.push_back(static_cast<std::uint8_t>(hex_value(hex[i]) * 16 + hex_value(hex[i + 1])));
    }
    if (!alg) {
        for (auto candidate : {DigestAlg::sha256, DigestAlg::sha1, DigestAlg::md5}) {
            if (digest_size(candidate) == fp.value.size()) alg = candidate;
        }
        if (!alg) {
            return Error(ErrorCode::usage, "CA fingerprint '" + original + "' has " + std::to_string(fp.value.size()) +
                                               " bytes: not a SHA-256 (32), SHA-1 (20) or MD5 (16) digest");
        }
    }
    fp.alg = *alg;
    if (fp.value.size() != digest_size(fp.alg)) {
        return Error(ErrorCode::usage, "CA fingerprint '" + original + "' has " + std::to_string(fp.value.size()) +
                                           " bytes, but a " + scep::to_string(fp.alg) + " digest has " +
                                           std::to_string(digest_size(fp.alg)));
    }
    return fp;
}

} // namespace scep
