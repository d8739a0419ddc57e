// Subject names and subjectAltNames for certificate requests, from what an admin types:
// RFC 4514 strings ("CN=${hostname},O=Example\, Inc.,C=DE"), template variables, SAN specs.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/x509v3.h>

#include "scep/util.hpp"

namespace scep {

// Owners of the OpenSSL structures this header makes.
struct X509NameFree {
    void operator()(X509_NAME* name) const noexcept { X509_NAME_free(name); }
};
struct GeneralNamesFree {
    void operator()(GENERAL_NAMES* names) const noexcept { GENERAL_NAMES_free(names); }
};
using X509NamePtr = std::unique_ptr<X509_NAME, X509NameFree>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, GeneralNamesFree>;

struct NameAttribute {
    std::string type;  // as typed: "CN", "O", "emailAddress", or a dotted OID "2.5.4.5"
    std::string value; // unescaped UTF-8
};
using RelativeDistinguishedName = std::vector<NameAttribute>; // several when multi-valued ("CN=a+UID=b")

struct DistinguishedName {
    // In RFC 4514 order: the most specific RDN first, exactly as the string lists them.
    std::vector<RelativeDistinguishedName> rdns;
};

// Parses an RFC 4514 string: ',' between RDNs, '+' inside a multi-valued RDN, backslash escapes
// (\, \+ \" \\ \< \> \; \= \# \<space> and \XX hex pairs), a leading '#' hex value is refused (usage error),
// spaces around ',' '+' '=' ignored. Attribute types: the short names OpenSSL knows (CN, O, OU,
// C, L, ST, street, DC, UID, emailAddress, serialNumber, SN, GN, title, ...) or dotted OIDs.
// Errors are ErrorCode::usage and name the offending position or attribute; an empty value is
// an error (a template variable that expanded to nothing must never yield an empty field).
Result<DistinguishedName> parse_distinguished_name(std::string_view text);

// The X.509 Name in DER order (reverse of RFC 4514 order). String types follow OpenSSL's
// per-attribute table as `openssl req -utf8` does (RFC 5280): UTF8String in general,
// PrintableString for C, serialNumber and dnQualifier, IA5String for emailAddress and DC; the
// table's length limits (CN <= 64, C exactly 2) are usage errors. Unknown attribute types are
// usage errors.
Result<X509NamePtr> to_x509_name(const DistinguishedName& dn);

// Returns the value of variable `name`, or nullopt when it is not defined.
using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Replaces every ${name} with lookup(name). "$$" is a literal '$'. A '$' not followed by '{' or
// '$' is kept as is. An unknown variable, an unterminated "${", or an empty/invalid name
// ([A-Za-z_][A-Za-z0-9_.-]*) is a usage error naming the variable. Values are inserted verbatim;
// callers that expand into an RFC 4514 string should pass values through escape_dn_value.
Result<std::string> expand_template(std::string_view text, const VariableLookup& lookup);

// Escapes a value for insertion into an RFC 4514 string (',', '+', '"', '\', '<', '>', ';', '=',
// a leading '#' or space, a trailing space).
std::string escape_dn_value(std::string_view value);

struct SubjectAltName {
    enum class Kind { dns, ip, email, uri, upn };
    Kind kind;
    std::string value; // for ip: the canonical text form
};

// "dns:host.example.com", "ip:192.0.2.1", "ip:2001:db8::1", "email:a@example.com",
// "uri:https://example.com/x", "upn:user@example.com" (Microsoft UPN otherName
// 1.3.6.1.4.1.311.20.2.3). Prefix case-insensitive. Validates each form (IP parses, DNS is
// letters/digits/hyphens/dots with an optional leading "*.", email has one '@', URI has a
// scheme). Errors are ErrorCode::usage naming the spec.
Result<SubjectAltName> parse_subject_alt_name(std::string_view spec);

// The subjectAltNames of an issued certificate as parse_subject_alt_name gives them (a renewal
// asks for the same ones). Kinds it cannot express (directoryName, registeredID, otherNames other
// than the UPN, x400Address, ediPartyName) are named in `skipped`, in certificate order.
struct CertificateAltNames {
    std::vector<SubjectAltName> names;
    std::vector<std::string> skipped; // e.g. "dirName"
};
CertificateAltNames subject_alt_names_of(const X509* cert);

// The subjectAltName extension value (GENERAL_NAMES) for the given names. At least one name
// required.
Result<GeneralNamesPtr> to_general_names(const std::vector<SubjectAltName>& names);

} // namespace scep
