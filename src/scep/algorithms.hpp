// OpenSSL objects for the algorithm choices of include/scep/pki_message.hpp.
#pragma once

#include <openssl/evp.h>

#include "scep/pki_message.hpp"

namespace scep::detail {

inline const EVP_MD* evp_md(MessageDigest digest) {
    switch (digest) {
    case MessageDigest::sha1: return EVP_sha1();
    case MessageDigest::sha256: return EVP_sha256();
    case MessageDigest::sha512: return EVP_sha512();
    }
    return nullptr;
}

inline const EVP_CIPHER* evp_cipher(ContentCipher cipher) {
    switch (cipher) {
    case ContentCipher::aes128_cbc: return EVP_aes_128_cbc();
    case ContentCipher::aes256_cbc: return EVP_aes_256_cbc();
    case ContentCipher::des3_cbc: return EVP_des_ede3_cbc();
    }
    return nullptr;
}

} // namespace scep::detail
