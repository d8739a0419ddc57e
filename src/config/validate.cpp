#include "config/validate.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <openssl/objects.h>

#include "scep/csr.hpp"

#include "ossl/errors.hpp"
#include "scep/certificate.hpp"
#include "scep/key_store.hpp"
#include "scep/pki_message.hpp"
#include "scep/subject.hpp"
#include "util/bytes.hpp"

namespace config {

namespace {

Checked good(std::string_view value) {
    return {std::string(value), {}};
}
Checked bad(std::string problem) {
    return {std::nullopt, std::move(problem)};
}

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

bool has_user_info(std::string_view url) {
    const std::size_t start = url.find("://");
    if (start == std::string_view::npos) return false;
    const std::size_t end = url.find_first_of("/?#", start + 3);
    return url.substr(start + 3, end == std::string_view::npos ? std::string_view::npos : end - start - 3).find('@') !=
           std::string_view::npos;
}

// A whole number in [min, max], or nullopt.
std::optional<long long> whole_number(std::string_view value, long long min, long long max) {
    if (value.empty() || value.size() > 18) return std::nullopt;
    long long number = 0;
    bool negative = false;
    std::size_t i = 0;
    if (value[0] == '-') {
        negative = true;
        i = 1;
        if (value.size() == 1) return std::nullopt;
    }
    for (; i < value.size(); ++i) {
        if (value[i] < '0' || value[i] > '9') return std::nullopt;
        number = number * 10 + (value[i] - '0');
    }
    if (negative) number = -number;
    if (number < min || number > max) return std::nullopt;
    return number;
}

} // namespace

std::string quote_value(std::string_view value) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += k_hex[byte >> 4];
            out += k_hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

bool valid_timeout_seconds(double seconds) {
    return std::isfinite(seconds) && seconds >= k_min_timeout && seconds <= k_max_timeout;
}

Checked http_url(std::string_view value) {
    // Never echo a URL with user info: that part is a password.
    if (has_user_info(value)) {
        return bad("user:password@ in the URL is not allowed (secrets are not allowed inline: use username and "
                   "password_file)");
    }
    const std::string lower = util::to_lower_ascii(value);
    std::size_t start = 0;
    if (lower.starts_with("http://"))
        start = 7;
    else if (lower.starts_with("https://"))
        start = 8;
    else
        return bad(quote_value(value) + " is not a valid http or https URL");
    const bool blank = std::any_of(value.begin(), value.end(),
                                   [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
    const std::size_t end = value.find_first_of("/?#", start);
    if (blank || end == start || start >= value.size())
        return bad(quote_value(value) + " is not a valid http or https URL");
    return good(value);
}

Checked kdc_address(std::string_view text) {
    const auto fail = [&] { return bad(quote_value(text) + " is not \"host\" or \"host:port\" (port 1-65535)"); };
    std::string_view host = text;
    std::optional<std::string_view> port;
    if (text.starts_with('[')) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close == 1) return fail();
        host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (!rest.starts_with(':')) return fail();
            port = rest.substr(1);
        }
        if (!std::all_of(host.begin(), host.end(),
                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; })) {
            return fail();
        }
    } else {
        const std::size_t colon = text.find(':');
        if (colon != std::string_view::npos) {
            host = text.substr(0, colon);
            port = text.substr(colon + 1);
        }
        if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_char)) return fail();
    }
    if (port && !whole_number(*port, 1, 65535)) return fail();
    return good(text);
}

Checked realm(std::string_view value) {
    const bool has_bad = std::any_of(value.begin(), value.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == '@' || c == '/' || c == ':';
    });
    if (has_bad) {
        return bad(quote_value(value) +
                   " is not a Kerberos realm: use the AD DNS domain in upper case, e.g. CORP.EXAMPLE.COM");
    }
    if (std::any_of(value.begin(), value.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
        return bad(quote_value(value) + " must be upper case: use the AD DNS domain in upper case (" +
                   quote_value(util::to_upper_ascii(value)) + ")");
    }
    return good(value);
}

Checked principal(std::string_view value) {
    const std::size_t at = value.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == value.size()) {
        return bad(quote_value(value) + " is not user@REALM (e.g. svc-scep@CORP.EXAMPLE.COM)");
    }
    return good(value);
}

Checked allowed_domain(std::string_view original) {
    std::string domain = util::to_lower_ascii(original);
    if (domain.starts_with('.')) domain.erase(0, 1);
    if (domain.find('*') != std::string::npos) {
        return bad(quote_value(original) +
                   ": wildcards are not allowed (a suffix such as \"example.com\" already covers every host below it)");
    }
    if (domain.empty() || domain.back() == '.' || domain.find("..") != std::string::npos) {
        return bad(quote_value(original) + " has an empty label");
    }
    if (!std::all_of(domain.begin(), domain.end(), is_host_char)) {
        return bad(quote_value(original) + " is not a DNS suffix");
    }
    return good(domain);
}

Checked fingerprint(std::string_view value) {
    auto parsed = scep::parse_fingerprint(value);
    if (!parsed) return bad(parsed.error().message);
    return good(value);
}

Checked subject_template(std::string_view value) {
    // Every variable stands in as "x": the real values are only known when the request is made.
    const scep::VariableLookup placeholder = [](std::string_view) -> std::optional<std::string> { return "x"; };
    auto expanded = scep::expand_template(value, placeholder);
    if (!expanded) return bad(expanded.error().message);
    if (auto dn = scep::parse_distinguished_name(*expanded); !dn) return bad(dn.error().message);
    return good(value);
}

Checked san_template(std::string_view value) {
    // A stand-in of the right shape: an IP address for ip:, else a plain word.
    const bool ip = util::to_lower_ascii(value).rfind("ip:", 0) == 0;
    const scep::VariableLookup placeholder = [ip](std::string_view) -> std::optional<std::string> {
        return ip ? "192.0.2.1" : "x";
    };
    auto expanded = scep::expand_template(value, placeholder);
    if (!expanded) return bad(expanded.error().message);
    if (auto san = scep::parse_subject_alt_name(*expanded); !san) return bad(san.error().message);
    return good(value);
}

Checked eku(std::string_view value) {
    ASN1_OBJECT* obj = OBJ_txt2obj(std::string(value).c_str(), 0);
    if (obj == nullptr) {
        ossl::clear_errors();
        return bad("unknown extended key usage " + quote_value(value) +
                   " (use e.g. clientAuth, serverAuth or a dotted OID)");
    }
    ASN1_OBJECT_free(obj);
    return good(value);
}

Checked validity(std::string_view value) {
    auto parsed = scep::parse_validity(value);
    if (!parsed) return bad(parsed.error().text());
    return good(scep::to_string(*parsed));
}

Checked cipher(std::string_view value) {
    if (value == "des" || value == "des-cbc")
        return bad("\"" + std::string(value) + "\": single DES is never used (use aes128, aes256 or des3)");
    return good(value);
}

Checked service_principal(std::string_view value) {
    const std::size_t slash = value.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == value.size() || value[slash + 1] == '@') {
        return bad(quote_value(value) + " is not SERVICE/host (e.g. HTTP/ndes.corp.example.com)");
    }
    return good(value);
}

Checked check_id(std::string_view value) {
    const bool valid = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!valid) return bad(quote_value(value) + " is not a check id (as the check's lines show it, e.g. delegation)");
    return good(value);
}

Checked key_size(std::string_view value) {
    const auto number = whole_number(value, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
    if (!number || (*number != 2048 && *number != 3072 && *number != 4096)) {
        return bad(quote_value(value) + " is not 2048, 3072 or 4096");
    }
    return good(value);
}

Checked key_reference(std::string_view value) {
    if (!value.starts_with("handle:") && !value.starts_with("pkcs11:")) return good(value); // a path
    auto ref = scep::parse_key_reference(value);
    if (!ref) {
        const util::Error& error = ref.error(); // never quotes a PIN (key_store.hpp)
        return bad(error.message + (error.fix.empty() ? "" : " (" + error.fix + ")"));
    }
    return good(value);
}

Checked count(std::string_view value) {
    if (!whole_number(value, 0, std::numeric_limits<int>::max())) {
        return bad(quote_value(value) + " is not a whole number of 0 or more");
    }
    return good(value);
}

Checked positive_count(std::string_view value) {
    if (!whole_number(value, 1, std::numeric_limits<int>::max())) {
        return bad(quote_value(value) + " is not a whole number of 1 or more");
    }
    return good(value);
}

Checked timeout_seconds(std::string_view value) {
    const std::string text(value);
    char* end = nullptr;
    const double seconds = std::strtod(text.c_str(), &end);
    if (text.empty() || end == text.c_str() || *end != '\0' || !valid_timeout_seconds(seconds)) {
        return bad(quote_value(value) + " is not " + k_timeout_range);
    }
    return good(value);
}

Checked serial_hex(std::string_view value) {
    auto parsed = scep::parse_serial_hex(value);
    if (!parsed) return bad(parsed.error().message);
    return good(*parsed);
}

Checked variable(std::string_view value) {
    const std::size_t eq = value.find('=');
    if (eq == std::string_view::npos || eq == 0) return bad(quote_value(value) + ": expected NAME=VALUE");
    return good(value);
}

} // namespace config
