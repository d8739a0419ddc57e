// Subject names and subjectAltNames from what an admin types (see include/scep/subject.hpp).
#include "scep/subject.hpp"

#include <arpa/inet.h>

#include <array>
#include <climits>
#include <cstdio>
#include <cstring>
#include <utility>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"
#include "scep/util.hpp"

namespace scep {
namespace {

using X509NameEntryPtr = ossl::Handle<X509_NAME_ENTRY, X509_NAME_ENTRY_free>;
using Asn1StringPtr = ossl::Handle<ASN1_STRING, ASN1_STRING_free>;
using Asn1ObjectPtr = ossl::Handle<ASN1_OBJECT, ASN1_OBJECT_free>;
using Asn1TypePtr = ossl::Handle<ASN1_TYPE, ASN1_TYPE_free>;
using GeneralNamePtr = ossl::Handle<GENERAL_NAME, GENERAL_NAME_free>;

constexpr const char* k_upn_oid = "1.3.6.1.4.1.311.20.2.3"; // Microsoft UPN otherName
// Far above any real attribute or SAN; keeps every length representable as the int OpenSSL wants.
constexpr std::size_t k_max_value_bytes = 65536;
// Characters that must be escaped anywhere in an RFC 4514 value (the parser also accepts "\ " "\#" "\=").
constexpr std::string_view k_always_escaped = ",+\"\\<>;=";
constexpr std::string_view k_escapable = ",+\"\\<>;=# ";

Error usage(std::string message) {
    return Error(ErrorCode::usage, std::move(message));
}

// User text for a one-line message: quoted, control characters as \xNN.
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", u);
            out += buf;
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

// 1-based, in bytes: what an admin counts in the string they typed.
std::string position(std::size_t index) {
    return "position " + std::to_string(index + 1);
}

bool is_alpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
    return is_alpha(c) || is_digit(c);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto lead = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        char32_t cp = 0;
        char32_t min = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if ((lead & 0xE0) == 0xC0) {
            len = 2, cp = lead & 0x1F, min = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            len = 3, cp = lead & 0x0F, min = 0x800;
        } else if ((lead & 0xF8) == 0xF0) {
            len = 4, cp = lead & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (s.size() - i < len) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cont = static_cast<unsigned char>(s[i + k]);
            if ((cont & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cont & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

// ---- attribute types ---------------------------------------------------------------------------

// RFC 4512 numericoid: number *("." number), no leading zeros; we also want >= 2 arcs, first 0-2.
bool is_numeric_oid(std::string_view s) {
    std::size_t i = 0;
    int arcs = 0;
    while (true) {
        const std::size_t start = i;
        while (i < s.size() && is_digit(s[i]))
            ++i;
        const std::size_t len = i - start;
        if (len == 0 || (len > 1 && s[start] == '0')) return false;
        if (arcs++ == 0 && (len != 1 || s[start] > '2')) return false;
        if (i == s.size()) break;
        if (s[i++] != '.') return false;
    }
    return arcs >= 2;
}

// RFC 4512 descr: ALPHA *(ALPHA / DIGIT / "-").
bool is_descr(std::string_view s) {
    if (s.empty() || !is_alpha(s.front())) return false;
    for (const char c : s)
        if (!is_alnum(c) && c != '-') return false;
    return true;
}

// RFC 4512 makes descriptors case-insensitive but OpenSSL's short names are not, and one of them
// clashes: OpenSSL's "uid" is uniqueIdentifier (2.5.4.45, a BIT STRING), while RFC 4514's UID is
// userId. So the usual DN attributes are matched first, ignoring case; then OpenSSL's exact names.
constexpr std::array k_dn_attribute_nids = {
    NID_commonName,
    NID_countryName,
    NID_localityName,
    NID_stateOrProvinceName,
    NID_organizationName,
    NID_organizationalUnitName,
    NID_streetAddress,
    NID_domainComponent,
    NID_userId,
    NID_pkcs9_emailAddress,
    NID_serialNumber,
    NID_surname,
    NID_givenName,
    NID_title,
    NID_initials,
    NID_pseudonym,
    NID_generationQualifier,
    NID_dnQualifier,
    NID_postalCode,
    NID_name,
    NID_description,
    NID_businessCategory,
};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && to_lower_ascii(a) == to_lower_ascii(b);
}

// The ASN.1 object for an attribute type as typed, or null when it is malformed or unknown.
Asn1ObjectPtr attribute_object(std::string_view type) {
    const std::string text(type);
    if (is_numeric_oid(type)) {
        Asn1ObjectPtr obj(OBJ_txt2obj(text.c_str(), 1));
        if (!obj) ossl::clear_errors(); // e.g. "1.40": second arc too large
        return obj;
    }
    if (!is_descr(type)) return nullptr;
    int nid = NID_undef;
    for (const int candidate : k_dn_attribute_nids) {
        if (equal_ignoring_case(type, OBJ_nid2sn(candidate))) {
            nid = candidate;
            break;
        }
    }
    if (nid == NID_undef) nid = OBJ_sn2nid(text.c_str());
    if (nid == NID_undef) return nullptr;
    // OBJ_dup hands back built-in objects as is and ASN1_OBJECT_free ignores them, so one handle
    // type serves both built-in and dynamically created objects.
    return Asn1ObjectPtr(OBJ_dup(OBJ_nid2obj(nid)));
}

// `where` is "" or " at position N".
Error unknown_type_error(std::string_view type, const std::string& where = {}) {
    return usage("unknown attribute type " + quoted(type) + where +
                 " (use a short name such as CN, O, OU, C, L, ST, DC, UID, emailAddress, or a dotted OID)");
}

// Checks that hold for every value, whether parsed or built by hand.
std::optional<Error> value_problem(std::string_view type, std::string_view value, const std::string& where = {}) {
    const std::string of = " of " + std::string(type) + where;
    if (value.empty()) return usage("empty value for " + std::string(type) + where);
    if (value.size() > k_max_value_bytes) return usage("the value" + of + " is too long");
    if (value.find('\0') != std::string_view::npos) return usage("the value" + of + " contains a NUL character");
    if (!is_valid_utf8(value)) return usage("the value" + of + " is not valid UTF-8");
    return std::nullopt;
}

// ---- string types ------------------------------------------------------------------------------

struct StringRule {
    unsigned long mask;
    long min_chars; // <= 0: no limit
    long max_chars; // <= 0: no limit
};

// OpenSSL's per-attribute table (what the openssl CLI uses): C and serialNumber PrintableString,
// emailAddress and DC IA5String, as RFC 5280 requires. Every DirectoryString type becomes a
// UTF8String (the "utf8only" mask), whatever the process-wide ASN1_STRING_set_default_mask says.
StringRule string_rule(int nid) {
    const ASN1_STRING_TABLE* table = nid == NID_undef ? nullptr : ASN1_STRING_TABLE_get(nid);
    if (table == nullptr) return {B_ASN1_UTF8STRING, 0, 0};
    unsigned long mask = table->mask;
    if ((table->flags & STABLE_NO_MASK) == 0 && (mask & B_ASN1_UTF8STRING) != 0) mask = B_ASN1_UTF8STRING;
    return {mask, table->minsize, table->maxsize};
}

std::string string_type_name(unsigned long mask) {
    if (mask == B_ASN1_PRINTABLESTRING) return "PrintableString";
    if (mask == B_ASN1_IA5STRING) return "IA5String";
    if (mask == B_ASN1_NUMERICSTRING) return "NumericString";
    if (mask == B_ASN1_BMPSTRING) return "BMPString";
    return "UTF8String";
}

Result<X509NameEntryPtr> make_name_entry(const NameAttribute& attr) {
    Asn1ObjectPtr obj = attribute_object(attr.type);
    if (!obj) return unknown_type_error(attr.type);
    if (auto problem = value_problem(attr.type, attr.value)) return std::move(*problem);

    const StringRule rule = string_rule(OBJ_obj2nid(obj.get()));
    ASN1_STRING* raw = nullptr;
    const int type = ASN1_mbstring_ncopy(&raw, reinterpret_cast<const unsigned char*>(attr.value.data()),
                                         static_cast<int>(attr.value.size()), MBSTRING_UTF8, rule.mask, rule.min_chars,
                                         rule.max_chars);
    const Asn1StringPtr str(raw);
    if (type < 0 || !str) {
        std::string why;
        switch (ERR_GET_REASON(ERR_peek_last_error())) {
        case ASN1_R_STRING_TOO_LONG: why = "is longer than " + std::to_string(rule.max_chars) + " characters"; break;
        case ASN1_R_STRING_TOO_SHORT: why = "is shorter than " + std::to_string(rule.min_chars) + " characters"; break;
        case ASN1_R_ILLEGAL_CHARACTERS: why = "has characters a " + string_type_name(rule.mask) + " cannot hold"; break;
        default: why = "cannot be encoded as " + string_type_name(rule.mask); break;
        }
        return ossl::error(ErrorCode::usage, "the value " + quoted(attr.value) + " of " + attr.type + " " + why);
    }
    X509NameEntryPtr entry(X509_NAME_ENTRY_create_by_OBJ(nullptr, obj.get(), ASN1_STRING_type(str.get()),
                                                         ASN1_STRING_get0_data(str.get()),
                                                         ASN1_STRING_length(str.get())));
    if (!entry) return ossl::error(ErrorCode::internal, "cannot create the name entry for " + attr.type);
    return entry;
}

// ---- RFC 4514 parsing --------------------------------------------------------------------------

class DnParser {
  public:
    explicit DnParser(std::string_view text) : m_text(text) {}

    Result<DistinguishedName> parse() {
        skip_spaces();
        if (at_end()) return usage("empty distinguished name");
        DistinguishedName dn;
        RelativeDistinguishedName rdn;
        char separator = 0;
        while (true) {
            SCEP_TRY(NameAttribute attr, parse_attribute(separator));
            rdn.push_back(std::move(attr));
            if (at_end()) break;
            separator = m_text[m_pos++]; // parse_attribute stops only at ',' '+' or the end
            if (separator == ',') dn.rdns.push_back(std::exchange(rdn, {}));
        }
        dn.rdns.push_back(std::move(rdn));
        return dn;
    }

  private:
    bool at_end() const { return m_pos == m_text.size(); }
    void skip_spaces() {
        while (!at_end() && m_text[m_pos] == ' ')
            ++m_pos;
    }

    Result<NameAttribute> parse_attribute(char separator) {
        skip_spaces();
        if (at_end()) {
            if (separator == 0) return usage("empty distinguished name");
            return usage(std::string("distinguished name ends after '") + separator + "': an attribute is missing");
        }
        const std::size_t type_start = m_pos;
        while (!at_end() && std::string_view("=,+ ").find(m_text[m_pos]) == std::string_view::npos)
            ++m_pos;
        NameAttribute attr;
        attr.type = std::string(m_text.substr(type_start, m_pos - type_start));
        if (attr.type.empty())
            return usage("expected an attribute type at " + position(type_start) + ", found '" +
                         std::string(1, m_text[m_pos]) + "'");
        skip_spaces();
        if (at_end() || m_text[m_pos] != '=')
            return usage("missing '=' after attribute type " + quoted(attr.type) + " at " + position(m_pos));
        if (!attribute_object(attr.type)) return unknown_type_error(attr.type, " at " + position(type_start));
        ++m_pos;
        skip_spaces();
        const std::size_t value_start = m_pos;
        if (!at_end() && m_text[m_pos] == '#')
            return usage("hex-encoded value (#...) for " + attr.type + " at " + position(m_pos) +
                         " is not supported; write the text, or \\# for a literal '#'");
        SCEP_TRY(attr.value, parse_value(attr.type));
        if (auto problem = value_problem(attr.type, attr.value, " at " + position(value_start)))
            return std::move(*problem);
        return attr;
    }

    // Reads up to an unescaped ',' '+' or the end; unescaped trailing spaces are dropped.
    Result<std::string> parse_value(const std::string& type) {
        std::string value;
        std::size_t keep = 0; // value.size() without the unescaped trailing spaces
        while (!at_end()) {
            const char c = m_text[m_pos];
            if (c == ',' || c == '+') break;
            if (c == '\\') {
                if (m_pos + 1 == m_text.size())
                    return usage("trailing backslash at " + position(m_pos) + " in the value of " + type);
                const char next = m_text[m_pos + 1];
                const int high = hex_value(next);
                if (high >= 0) {
                    const int low = m_pos + 2 < m_text.size() ? hex_value(m_text[m_pos + 2]) : -1;
                    if (low < 0)
                        return usage("incomplete hex escape at " + position(m_pos) + " in the value of " + type +
                                     " (two hex digits expected)");
                    value += static_cast<char>(high * 16 + low);
                    m_pos += 3;
                } else if (k_escapable.find(next) != std::string_view::npos) {
                    value += next;
                    m_pos += 2;
                } else {
                    return usage("invalid escape " + quoted(m_text.substr(m_pos, 2)) + " at " + position(m_pos) +
                                 " in the value of " + type);
                }
                keep = value.size();
                continue;
            }
            if (c == '"' || c == ';' || c == '<' || c == '>')
                return usage(std::string("unescaped '") + c + "' at " + position(m_pos) + " in the value of " + type +
                             " (write \\" + c + ")");
            value += c;
            ++m_pos;
            if (c != ' ') keep = value.size();
        }
        value.resize(keep);
        return value;
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
};

// ---- subjectAltName ----------------------------------------------------------------------------

struct SanKind {
    std::string_view prefix;
    SubjectAltName::Kind kind;
};
constexpr std::array k_san_kinds = {
    SanKind{"dns", SubjectAltName::Kind::dns},     SanKind{"ip", SubjectAltName::Kind::ip},
    SanKind{"email", SubjectAltName::Kind::email}, SanKind{"uri", SubjectAltName::Kind::uri},
    SanKind{"upn", SubjectAltName::Kind::upn},
};

bool is_printable_ascii(std::string_view s) { // no space, no control, no 8-bit byte
    for (const char c : s)
        if (c <= ' ' || c >= 0x7f) return false;
    return true;
}

// LDH labels (RFC 5280 preferred name syntax), with "*." allowed in front when `wildcard`.
std::optional<std::string> dns_problem(std::string_view name, bool wildcard) {
    if (wildcard && name.starts_with("*.")) name.remove_prefix(2);
    if (name.empty()) return "empty DNS name";
    if (name.size() > 253) return "DNS name longer than 253 characters";
    std::size_t start = 0;
    while (true) {
        std::size_t end = name.find('.', start);
        if (end == std::string_view::npos) end = name.size();
        const std::string_view label = name.substr(start, end - start);
        if (label.empty()) return "empty label in DNS name";
        if (label.size() > 63) return "DNS label longer than 63 characters";
        for (const char c : label) {
            if (static_cast<unsigned char>(c) >= 0x80) return "non-ASCII DNS name (use the xn-- form)";
            if (c == '*') return "'*' is only allowed as a leading \"*.\"";
            if (!is_alnum(c) && c != '-') return "only letters, digits, '-' and '.' are allowed in a DNS name";
        }
        if (label.front() == '-' || label.back() == '-') return "DNS label starts or ends with '-'";
        if (end == name.size()) return std::nullopt;
        start = end + 1;
    }
}

// Address bytes (4 or 16) of an IPv4 or IPv6 literal; empty when it is neither.
Bytes ip_bytes(std::string_view text) {
    const std::string s(text);
    Bytes out(16);
    if (inet_pton(AF_INET, s.c_str(), out.data()) == 1) {
        out.resize(4);
        return out;
    }
    if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) return out;
    return {};
}

// The value to store for `kind` (canonical for ip), or a usage error saying what is wrong with it.
Result<std::string> canonical_san_value(SubjectAltName::Kind kind, std::string_view value) {
    if (value.empty()) return usage("empty value");
    if (value.size() > k_max_value_bytes) return usage("value too long");
    switch (kind) {
    case SubjectAltName::Kind::dns:
        if (auto problem = dns_problem(value, true)) return usage(*problem);
        return std::string(value);
    case SubjectAltName::Kind::ip: {
        const Bytes addr = ip_bytes(value);
        if (addr.empty()) return usage("not an IPv4 or IPv6 address");
        char buf[INET6_ADDRSTRLEN] = {};
        if (inet_ntop(addr.size() == 4 ? AF_INET : AF_INET6, addr.data(), buf, sizeof buf) == nullptr)
            return usage("not an IPv4 or IPv6 address");
        return std::string(buf);
    }
    case SubjectAltName::Kind::email: {
        const std::size_t at = value.find('@');
        if (at == std::string_view::npos || value.find('@', at + 1) != std::string_view::npos)
            return usage("an email address needs exactly one '@'");
        if (at == 0) return usage("empty local part before '@'");
        if (!is_printable_ascii(value))
            return usage("an email address must be ASCII without spaces (rfc822Name is an IA5String)");
        if (auto problem = dns_problem(value.substr(at + 1), false)) return usage(*problem + " after '@'");
        return std::string(value);
    }
    case SubjectAltName::Kind::uri: {
        const std::size_t colon = value.find(':');
        const std::string_view scheme = value.substr(0, colon == std::string_view::npos ? 0 : colon);
        const bool scheme_ok = !scheme.empty() && is_alpha(scheme.front()) &&
                               scheme.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                        "0123456789+-.") == std::string_view::npos;
        if (!scheme_ok) return usage("a URI needs a scheme (e.g. https://...)");
        if (colon + 1 == value.size()) return usage("nothing after the URI scheme");
        if (!is_printable_ascii(value))
            return usage("a URI must be ASCII without spaces (percent-encode other characters)");
        return std::string(value);
    }
    case SubjectAltName::Kind::upn: {
        const std::size_t at = value.find('@');
        if (at == std::string_view::npos || value.find('@', at + 1) != std::string_view::npos)
            return usage("a UPN needs exactly one '@' (user@domain)");
        if (at == 0 || at + 1 == value.size()) return usage("a UPN needs a name before and a suffix after '@'");
        if (!is_valid_utf8(value)) return usage("a UPN must be valid UTF-8");
        for (const char c : value)
            if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
                return usage("a UPN cannot contain spaces or control characters");
        return std::string(value);
    }
    }
    return Error(ErrorCode::internal, "unknown subjectAltName kind");
}

std::string_view prefix_of(SubjectAltName::Kind kind) {
    for (const SanKind& k : k_san_kinds)
        if (k.kind == kind) return k.prefix;
    return "?";
}

Result<Asn1StringPtr> make_string(int type, std::string_view value) {
    Asn1StringPtr str(ASN1_STRING_type_new(type));
    if (!str || ASN1_STRING_set(str.get(), value.data(), static_cast<int>(value.size())) != 1)
        return ossl::error(ErrorCode::internal, "out of memory building a subjectAltName");
    return str;
}

Result<GeneralNamePtr> make_general_name(SubjectAltName::Kind kind, const std::string& value) {
    GeneralNamePtr gen(GENERAL_NAME_new());
    if (!gen) return ossl::error(ErrorCode::internal, "out of memory building a subjectAltName");
    switch (kind) {
    case SubjectAltName::Kind::dns:
    case SubjectAltName::Kind::email:
    case SubjectAltName::Kind::uri: {
        SCEP_TRY(Asn1StringPtr str, make_string(V_ASN1_IA5STRING, value));
        const int type = kind == SubjectAltName::Kind::dns     ? GEN_DNS
                         : kind == SubjectAltName::Kind::email ? GEN_EMAIL
                                                               : GEN_URI;
        GENERAL_NAME_set0_value(gen.get(), type, str.release());
        return gen;
    }
    case SubjectAltName::Kind::ip: {
        const Bytes addr = ip_bytes(value);
        SCEP_TRY(Asn1StringPtr str, make_string(V_ASN1_OCTET_STRING, as_chars(addr)));
        GENERAL_NAME_set0_value(gen.get(), GEN_IPADD, str.release());
        return gen;
    }
    case SubjectAltName::Kind::upn: {
        // otherName { type-id 1.3.6.1.4.1.311.20.2.3, value [0] EXPLICIT UTF8String }
        Asn1ObjectPtr oid(OBJ_txt2obj(k_upn_oid, 1));
        Asn1TypePtr any(ASN1_TYPE_new());
        if (!oid || !any) return ossl::error(ErrorCode::internal, "out of memory building a UPN subjectAltName");
        SCEP_TRY(Asn1StringPtr str, make_string(V_ASN1_UTF8STRING, value));
        ASN1_TYPE_set(any.get(), V_ASN1_UTF8STRING, str.release());
        if (GENERAL_NAME_set0_othername(gen.get(), oid.get(), any.get()) != 1)
            return ossl::error(ErrorCode::internal, "out of memory building a UPN subjectAltName");
        static_cast<void>(oid.release()); // both now owned by gen
        static_cast<void>(any.release());
        return gen;
    }
    }
    return Error(ErrorCode::internal, "unknown subjectAltName kind");
}

} // namespace

Result<DistinguishedName> parse_distinguished_name(std::string_view text) {
    return DnParser(text).parse();
}

Result<X509NamePtr> to_x509_name(const DistinguishedName& dn) {
    X509NamePtr name(X509_NAME_new());
    if (!name) return ossl::error(ErrorCode::internal, "out of memory building the subject name");
    // DER lists the least specific RDN first; RFC 4514 the most specific.
    for (auto rdn = dn.rdns.rbegin(); rdn != dn.rdns.rend(); ++rdn) {
        if (rdn->empty()) return usage("empty relative distinguished name in the subject");
        int set = 0; // 0 starts a new RDN, -1 joins the previous entry's RDN (multi-valued)
        for (const NameAttribute& attr : *rdn) {
            SCEP_TRY(X509NameEntryPtr entry, make_name_entry(attr));
            if (X509_NAME_add_entry(name.get(), entry.get(), -1, set) != 1) // copies the entry
                return ossl::error(ErrorCode::internal, "cannot add " + attr.type + " to the subject name");
            set = -1;
        }
    }
    return name;
}

Result<std::string> expand_template(std::string_view text, const VariableLookup& lookup) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        const char next = pos + 1 < text.size() ? text[pos + 1] : '\0';
        if (c == '$' && next == '\\' && pos + 2 < text.size() && text[pos + 2] == '{') {
            // "$\{name}": a Markdown escape copied from a web page along with the template.
            const std::size_t close = text.find('}', pos + 3);
            const std::string_view name =
                text.substr(pos + 3, close == std::string_view::npos ? std::string_view::npos : close - pos - 3);
            return usage(quoted(text.substr(pos, close == std::string_view::npos ? 3 : close + 1 - pos)) + " at " +
                         position(pos) + " is not a template (a Markdown escape copied from a web page?)")
                .with_fix("did you mean ${" + std::string(name) + "}?");
        }
        if (c != '$' || (next != '$' && next != '{')) {
            out += c;
            ++pos;
            continue;
        }
        if (next == '$') {
            out += '$';
            pos += 2;
            continue;
        }
        const std::size_t close = text.find('}', pos + 2);
        if (close == std::string_view::npos)
            return usage("unterminated " + quoted(text.substr(pos)) + " at " + position(pos) +
                         " in template: '}' missing");
        const std::string_view name = text.substr(pos + 2, close - pos - 2);
        const bool valid = !name.empty() && (is_alpha(name.front()) || name.front() == '_') &&
                           name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                  "0123456789_.-") == std::string_view::npos;
        if (!valid)
            return usage("invalid template variable name " + quoted(name) + " at " + position(pos) +
                         " (letters, digits, '_', '.', '-', not starting with a digit, '.' or '-')");
        std::optional<std::string> value = lookup ? lookup(name) : std::nullopt;
        if (!value) return usage("unknown template variable ${" + std::string(name) + "}");
        out += *value;
        pos = close + 1;
    }
    return out;
}

std::string escape_dn_value(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 8);
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '\0') { // RFC 4514 §2.4; the parser then names the NUL instead of misreading it
            out += "\\00";
            continue;
        }
        const bool edge_space = c == ' ' && (i == 0 || i + 1 == value.size());
        if (k_always_escaped.find(c) != std::string_view::npos || edge_space || (c == '#' && i == 0)) out += '\\';
        out += c;
    }
    return out;
}

Result<SubjectAltName> parse_subject_alt_name(std::string_view spec) {
    const std::string_view trimmed = trim_ascii(spec);
    const std::size_t colon = trimmed.find(':');
    if (colon == std::string_view::npos)
        return usage("subjectAltName " + quoted(spec) +
                     " has no kind (write dns:, ip:, email:, uri: or upn: in front)");
    const std::string prefix = to_lower_ascii(trimmed.substr(0, colon));
    for (const SanKind& k : k_san_kinds) {
        if (k.prefix != prefix) continue;
        auto value = canonical_san_value(k.kind, trim_ascii(trimmed.substr(colon + 1)));
        if (!value) return std::move(value).error().context("invalid subjectAltName " + quoted(spec));
        return SubjectAltName{k.kind, std::move(value).value()};
    }
    return usage("unknown subjectAltName kind " + quoted(trimmed.substr(0, colon)) + " in " + quoted(spec) +
                 " (use dns:, ip:, email:, uri: or upn:)");
}

CertificateAltNames subject_alt_names_of(const X509* cert) {
    CertificateAltNames result;
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return result;
    const auto text_of = [](const ASN1_STRING* s) {
        return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                           static_cast<std::size_t>(ASN1_STRING_length(s)));
    };
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names.get(), i);
        switch (gen->type) {
        case GEN_DNS: result.names.push_back({SubjectAltName::Kind::dns, text_of(gen->d.dNSName)}); continue;
        case GEN_EMAIL: result.names.push_back({SubjectAltName::Kind::email, text_of(gen->d.rfc822Name)}); continue;
        case GEN_URI:
            result.names.push_back({SubjectAltName::Kind::uri, text_of(gen->d.uniformResourceIdentifier)});
            continue;
        case GEN_IPADD: {
            const ASN1_OCTET_STRING* ip = gen->d.iPAddress;
            const int len = ASN1_STRING_length(ip);
            char buf[INET6_ADDRSTRLEN] = {};
            if ((len == 4 || len == 16) &&
                inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), buf, sizeof buf) != nullptr) {
                result.names.push_back({SubjectAltName::Kind::ip, buf});
                continue;
            }
            result.skipped.emplace_back("IP address of " + std::to_string(len) + " bytes");
            continue;
        }
        case GEN_OTHERNAME: {
            const OTHERNAME* other = gen->d.otherName;
            Asn1ObjectPtr upn(OBJ_txt2obj(k_upn_oid, 1));
            if (upn && OBJ_cmp(other->type_id, upn.get()) == 0 && other->value != nullptr &&
                other->value->type == V_ASN1_UTF8STRING) {
                result.names.push_back({SubjectAltName::Kind::upn, text_of(other->value->value.utf8string)});
                continue;
            }
            result.skipped.emplace_back("otherName");
            continue;
        }
        case GEN_DIRNAME: result.skipped.emplace_back("dirName"); continue;
        case GEN_RID: result.skipped.emplace_back("registeredID"); continue;
        default: result.skipped.emplace_back("x400Address/ediPartyName"); continue;
        }
    }
    return result;
}

Result<GeneralNamesPtr> to_general_names(const std::vector<SubjectAltName>& names) {
    if (names.empty()) return usage("at least one subjectAltName is required");
    GeneralNamesPtr result(sk_GENERAL_NAME_new_null());
    if (!result) return ossl::error(ErrorCode::internal, "out of memory building subjectAltNames");
    for (const SubjectAltName& san : names) {
        // Hand-built values get the same checks as parsed ones.
        auto value = canonical_san_value(san.kind, san.value);
        if (!value)
            return std::move(value).error().context("invalid subjectAltName " +
                                                    quoted(std::string(prefix_of(san.kind)) + ":" + san.value));
        SCEP_TRY(GeneralNamePtr gen, make_general_name(san.kind, *value));
        if (sk_GENERAL_NAME_push(result.get(), gen.get()) <= 0)
            return ossl::error(ErrorCode::internal, "out of memory building subjectAltNames");
        static_cast<void>(gen.release()); // now owned by the stack
    }
    return result;
}

} // namespace scep
