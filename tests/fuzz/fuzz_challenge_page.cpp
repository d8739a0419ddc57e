// libFuzzer target: the NDES admin page (/certsrv/mscep_admin/) as bytes off the wire: encoding
// detection and decoding (UTF-16LE/BE, UTF-8, Latin-1), then the challenge password parser.
#include <cstddef>
#include <cstdint>

#include "ndes/challenge_page.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string page = ndes::decode_page(util::ByteView(data, size));
    auto challenge = ndes::parse_challenge_page(page);
    // A challenge is 8-32 hex characters, whatever the page held.
    if (challenge && (challenge->size() < 8 || challenge->size() > 32)) __builtin_trap();
    return 0;
}
