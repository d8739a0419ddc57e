// libFuzzer target: a GetCACaps reply body (RFC 8894 §3.5) as the server sends it, through the
// reply check, the keyword parser, the capability queries and the algorithm choice made from them.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scep/caps.hpp"
#include "scep/enrollment.hpp"

namespace {

std::size_t use(const scep::Capabilities& caps) {
    static constexpr std::array<std::string_view, 10> k_queries{
        "AES",   "DES3",    "GetNextCACert", "POSTPKIOperation", "Renewal",
        "SHA-1", "SHA-256", "SHA-512",       "SCEPStandard",     "x"};
    std::size_t seen = caps.keywords().size() + caps.unknown().size() + caps.implied().size();
    for (auto keyword : k_queries)
        seen += caps.has(keyword) ? 1 : 0;
    // What enroll would pick from these caps, with no preference and with a forced one.
    scep::AlgorithmPreference preference;
    seen += scep::choose_algorithms(caps, preference) ? 1 : 0;
    preference.cipher = scep::ContentCipher::aes256_cbc;
    preference.digest = scep::MessageDigest::sha512;
    seen += scep::choose_algorithms(caps, preference) ? 1 : 0;
    return seen;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const util::ByteView body(data, size);
    for (const char* type : {"text/plain", "", "text/html"}) {
        if (auto caps = scep::Capabilities::parse_reply(body, type)) use(*caps);
    }
    use(scep::Capabilities::parse(util::as_chars(body)));
    return 0;
}
