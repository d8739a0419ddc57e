// Shared by the libFuzzer targets: the committed test vectors they verify against.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "util/bytes.hpp"
#include "scep/certificate.hpp"
#include "scep/key.hpp"

namespace fuzz {

// A vector under tests/data; a missing or broken one stops the fuzzer at once (a setup error,
// not a finding).
inline util::Bytes read_data(const std::string& relative) {
    std::ifstream in(std::string(SCEPCTL_TEST_DATA) + "/" + relative, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "fuzz: missing test vector %s\n", relative.c_str());
        std::abort();
    }
    return util::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline scep::Certificate certificate(const std::string& relative) {
    const util::Bytes pem = read_data(relative);
    auto certs = scep::Certificate::from_pem(util::as_chars(pem));
    if (!certs || certs->empty()) {
        std::fprintf(stderr, "fuzz: %s is no PEM certificate\n", relative.c_str());
        std::abort();
    }
    return certs->front();
}

inline scep::PrivateKey private_key(const std::string& relative) {
    auto key = scep::PrivateKey::load(read_data(relative), std::nullopt);
    if (!key) {
        std::fprintf(stderr, "fuzz: %s is no key\n", relative.c_str());
        std::abort();
    }
    return std::move(key).value();
}

} // namespace fuzz
