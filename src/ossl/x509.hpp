// Small X.509 helpers shared by the protocol core and the store.
#pragma once

#include <cstdint>
#include <string>

#include <openssl/x509.h>

namespace ossl {

std::string name_to_string(const X509_NAME* name); // RFC 2253, UTF-8
std::string asn1_time_to_iso8601(const ASN1_TIME* time);
// A serial number in upper-case hex, as openssl x509 -serial prints it; "" for none.
std::string serial_to_hex(const ASN1_INTEGER* serial);
std::int64_t asn1_time_to_unix(const ASN1_TIME* time);

} // namespace ossl
