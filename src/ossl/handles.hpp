// Owning handles for every OpenSSL type we touch: one alias per type, freed by its own function.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace ossl {

template <auto FreeFn> struct Deleter {
    template <class T> void operator()(T* p) const noexcept { FreeFn(p); }
};

template <class T, auto FreeFn> using Handle = std::unique_ptr<T, Deleter<FreeFn>>;

using BioPtr = Handle<BIO, BIO_free_all>;
using X509Ptr = Handle<X509, X509_free>;
using EvpPkeyPtr = Handle<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = Handle<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using Pkcs7Ptr = Handle<PKCS7, PKCS7_free>;
using CmsPtr = Handle<CMS_ContentInfo, CMS_ContentInfo_free>;
using X509StorePtr = Handle<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = Handle<X509_STORE_CTX, X509_STORE_CTX_free>;
using BasicConstraintsPtr = Handle<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;
using Asn1BitStringPtr = Handle<ASN1_BIT_STRING, ASN1_BIT_STRING_free>;
using ExtKeyUsagePtr = Handle<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;
using Pkcs12Ptr = Handle<PKCS12, PKCS12_free>;

inline void free_x509_stack(STACK_OF(X509) * s) {
    sk_X509_pop_free(s, X509_free);
}
using X509StackPtr = Handle<STACK_OF(X509), free_x509_stack>;
// A stack that borrows its certificates (sk_X509_free frees only the stack itself).
inline void free_x509_stack_shallow(STACK_OF(X509) * s) {
    sk_X509_free(s);
}
using X509StackViewPtr = Handle<STACK_OF(X509), free_x509_stack_shallow>;
inline void free_crl_stack(STACK_OF(X509_CRL) * s) {
    sk_X509_CRL_pop_free(s, X509_CRL_free);
}
using X509CrlStackPtr = Handle<STACK_OF(X509_CRL), free_crl_stack>;

// Everything written to a memory BIO so far.
inline std::string mem_bio_string(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}
inline std::vector<std::uint8_t> mem_bio_bytes(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::vector<std::uint8_t>(data, data + len);
}

// The DER encoding of `object` through its i2d function (i2d_PKCS7, i2d_PKCS12, ...); empty on failure.
template <class T, class I2d> std::vector<std::uint8_t> to_der(const T* object, I2d i2d) {
    unsigned char* out = nullptr;
    const int len = i2d(object, &out);
    if (len <= 0) return {};
    std::vector<std::uint8_t> der(out, out + len);
    OPENSSL_free(out);
    return der;
}

inline X509Ptr up_ref(X509* cert) {
    X509_up_ref(cert);
    return X509Ptr(cert);
}

} // namespace ossl
