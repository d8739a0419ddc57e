// libFuzzer target: a GetCACert reply body (RFC 8894 §4.2) under each Content-Type a server may
// send, through bundle classification, chain checks and the fingerprint pin.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scep/ca_certs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto pin = scep::parse_fingerprint("sha256:" + std::string(64, '0'));
    const util::ByteView body(data, size);
    constexpr std::int64_t k_now = 1795000000; // 2026-11-18: inside the vectors' validity
    for (const char* type : {"application/x-x509-ca-ra-cert", "application/x-x509-ca-cert", ""}) {
        auto bundle = scep::parse_get_ca_cert(body, type, k_now);
        if (!bundle) continue;
        std::size_t seen = bundle->entries.size() + bundle->warnings.size() + bundle->ca_chain().size();
        seen += bundle->issuing_ca().subject().size() + bundle->recipient().subject().size();
        seen += bundle->reply_signer().subject().size() + (bundle->has_ra() ? 1 : 0);
        if (pin) seen += scep::verify_ca_fingerprint(*bundle, *pin) ? 1 : 0;
        for (const auto& entry : bundle->entries)
            seen += scep::to_string(entry.role).size();
        if (seen == 0) return 0;
    }
    return 0;
}
