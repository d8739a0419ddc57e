// Small X.509 helpers shared by the protocol core and the store.
#pragma once

#include <cstdint>
#include <string>

#include <openssl/x509.h>

namespace ossl {

std::string name_to_string(const X509_NAME* name); // RFC 2253, UTF-8
std::string asn1_time_to_iso8601(const ASN1_TIME* time);
std::int64_t asn1_time_to_unix(const ASN1_TIME* time);

} // namespace ossl
