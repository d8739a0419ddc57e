#include "ossl/x509.hpp"

#include <ctime>

#include <openssl/asn1.h>
#include <openssl/bio.h>

#include "ossl/handles.hpp"

namespace ossl {

std::string name_to_string(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) return {};
    return mem_bio_string(bio.get());
}

std::int64_t asn1_time_to_unix(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
    return static_cast<std::int64_t>(timegm(&tm));
}

std::string asn1_time_to_iso8601(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return "invalid";
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string serial_to_hex(const ASN1_INTEGER* serial) {
    if (serial == nullptr) return {};
    Handle<BIGNUM, BN_free> bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!bn) return {};
    char* hex = BN_bn2hex(bn.get());
    std::string result = hex != nullptr ? hex : "";
    OPENSSL_free(hex);
    return result;
}

} // namespace ossl
