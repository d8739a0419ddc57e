// The checks behind the option table's `validate` column: the same for a flag's value and a
// configuration file's, so that a value means the same wherever it was written.
#pragma once

#include <string>
#include <string_view>

#include "config/options.hpp"

namespace config {

// A value shown in a message: quoted, control characters escaped, so a message stays one line.
std::string quote_value(std::string_view value);

Checked http_url(std::string_view value);          // http(s)://host..., no user:password@
Checked kdc_address(std::string_view value);       // host, host:port, [v6], [v6]:port
Checked realm(std::string_view value);             // upper case, no '@', '/', ':', blanks
Checked principal(std::string_view value);         // user@REALM
Checked allowed_domain(std::string_view value);    // a DNS suffix, lower-cased, no leading dot
Checked fingerprint(std::string_view value);       // as scep::parse_fingerprint reads it
Checked subject_template(std::string_view value);  // an RFC 4514 DN with ${var} templates
Checked san_template(std::string_view value);      // dns:..., ip:..., with ${var} templates
Checked eku(std::string_view value);               // a name OpenSSL knows or a dotted OID
Checked validity(std::string_view value);          // 12h, 90d, 2w, 6mo, 1y (normalised to that form)
Checked key_size(std::string_view value);          // 2048, 3072 or 4096
Checked key_reference(std::string_view value);     // a path, handle:0x81......, or a pkcs11: URI
Checked cipher(std::string_view value);            // refuses single DES with the reason
Checked service_principal(std::string_view value); // SERVICE/host or SERVICE/host@REALM
Checked check_id(std::string_view value);          // a check's id: lower-case letters, digits, '-'
Checked count(std::string_view value);             // a whole number, 0 or more
Checked positive_count(std::string_view value);    // a whole number, 1 or more
Checked timeout_seconds(std::string_view value);   // 0.001 to 86400, fractions allowed
Checked serial_hex(std::string_view value);        // a certificate serial number in hex
Checked variable(std::string_view value);          // NAME=VALUE for ${NAME}

// How long one HTTP request may take, in seconds: the range --timeout and [ca] timeout accept.
constexpr double k_min_timeout = 0.001;
constexpr double k_max_timeout = 86400;
constexpr const char* k_timeout_range = "a number of seconds from 0.001 to 86400";
bool valid_timeout_seconds(double seconds);

} // namespace config
