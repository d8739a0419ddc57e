// Subject DNs, templates and subjectAltNames; expected DER comes from the openssl CLI
// (tests/data/subject/make-vectors.sh), never from our own encoder.
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ossl/handles.hpp"
#include "util/bytes.hpp"
#include "scep/subject.hpp"
#include "test_support.hpp"

using namespace scep;

namespace {

ossl::X509Ptr load_cert(const std::string& file) {
    const Bytes der = test::read_data("subject/" + file);
    const unsigned char* p = der.data();
    ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    REQUIRE(cert);
    return cert;
}

std::string name_der_hex(const X509_NAME* name) {
    unsigned char* out = nullptr;
    const int len = i2d_X509_NAME(name, &out);
    REQUIRE(len > 0);
    const std::string hex = to_hex(ByteView(out, static_cast<std::size_t>(len)));
    OPENSSL_free(out);
    return hex;
}

// Hex of the subject Name DER that openssl wrote into tests/data/subject/<file>.
std::string openssl_subject(const std::string& file) {
    const ossl::X509Ptr cert = load_cert(file);
    return name_der_hex(X509_get_subject_name(cert.get()));
}

// Hex of the subjectAltName extension value (the GeneralNames DER) exactly as openssl wrote it.
std::string openssl_san(const std::string& file) {
    const ossl::X509Ptr cert = load_cert(file);
    const int index = X509_get_ext_by_NID(cert.get(), NID_subject_alt_name, -1);
    REQUIRE(index >= 0);
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert.get(), index));
    return to_hex(ByteView(ASN1_STRING_get0_data(data), static_cast<std::size_t>(ASN1_STRING_length(data))));
}

X509NamePtr our_name(const std::string& rfc4514) {
    INFO("input: " << rfc4514);
    auto dn = parse_distinguished_name(rfc4514);
    if (!dn) FAIL("parse: " << dn.error().message);
    auto name = to_x509_name(*dn);
    if (!name) FAIL("to_x509_name: " << name.error().message);
    return std::move(name).value();
}

std::string our_subject(const std::string& rfc4514) {
    return name_der_hex(our_name(rfc4514).get());
}

std::string general_names_hex(const GENERAL_NAMES* names) {
    unsigned char* out = nullptr;
    const int len = i2d_GENERAL_NAMES(names, &out);
    REQUIRE(len > 0);
    const std::string hex = to_hex(ByteView(out, static_cast<std::size_t>(len)));
    OPENSSL_free(out);
    return hex;
}

std::string our_sans(const std::vector<std::string>& specs) {
    std::vector<SubjectAltName> names;
    for (const std::string& spec : specs) {
        auto san = parse_subject_alt_name(spec);
        if (!san) FAIL(spec << ": " << san.error().message);
        names.push_back(*san);
    }
    auto general = to_general_names(names);
    if (!general) FAIL(general.error().message);
    return general_names_hex(general->get());
}

Error dn_error(const std::string& text) {
    auto dn = parse_distinguished_name(text);
    REQUIRE_FALSE(dn);
    return dn.error();
}

Error encode_error(const DistinguishedName& dn) {
    auto name = to_x509_name(dn);
    REQUIRE_FALSE(name);
    return name.error();
}

VariableLookup lookup_from(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        const auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

Error template_error(const std::string& text, const VariableLookup& lookup) {
    auto out = expand_template(text, lookup);
    REQUIRE_FALSE(out);
    return out.error();
}

} // namespace

// ---- DN: encoding against openssl -----------------------------------------------------------

TEST_CASE("RFC 4514 subjects encode to the DER openssl req -subj wrote", "[subject]") {
    struct Case {
        const char* file;
        std::string input;
    };
    const std::vector<Case> cases = {
        {"simple.der", "CN=host.example.com,OU=IT,O=Example,L=Berlin,ST=Berlin,C=DE"},
        {"simple.der", "cn=host.example.com,ou=IT,o=Example,l=Berlin,st=Berlin,c=DE"}, // types are case-insensitive
        {"escapes.der", R"(CN=a\,b\+c\"d\\e\<f\>g\;h\=i,O=Example\, Inc.)"},
        {"escapes.der", R"(CN=a\2Cb\2bc\22d\5Ce\3Cf\3Eg\3Bh=i,O=Example\2C Inc.)"}, // hex pairs, bare '='
        {"edges.der", R"(CN=\#hash,OU=\ spaced\ )"},
        {"edges.der", R"(CN=\23hash,OU=\20spaced\20)"},
        {"utf8.der", "CN=José Müller 😀,O=東京"},
        {"utf8.der", R"(CN=Jos\C3\A9 M\C3\BCller \F0\9F\98\80,O=\E6\9D\B1\E4\BA\AC)"},
        {"utf8.der", R"(CN=Jos\c3\a9 M\c3\bcller \f0\9f\98\80,O=東京)"},
        {"multivalued.der", R"(CN=a+UID=b,O=Example\, Inc.,C=DE)"},
        {"multivalued.der", R"(UID=b+CN=a,O=Example\, Inc.,C=DE)"}, // DER sorts the SET either way
        {"multivalued.der", R"(cn=a+uid=b,o=Example\, Inc.,c=DE)"}, // "uid" is userId, not OpenSSL's "uid"
        {"multivalued.der", R"(CN=a+0.9.2342.19200300.100.1.1=b,O=Example\, Inc.,C=DE)"},
        {"dotted-oid.der", "2.5.4.3=dotted,0.9.2342.19200300.100.1.25=example"},
        {"dotted-oid.der", "CN=dotted,DC=example"},
        {"ia5.der", "serialNumber=ABC-123,emailAddress=admin@example.com,CN=web,DC=example,DC=com"},
        {"person.der", "CN=Jane Doe,initials=JD,SN=Doe,GN=Jane,title=Engineer,postalCode=10115,street=1 Main St,C=DE"},
        {"custom-oid.der", "1.3.6.1.4.1.55555.1.2=custom value,CN=x"},
        {"spaces.der", "  CN = a b + UID = c ,  O = Example  "},
        {"spaces.der", "CN=a b+UID=c,O=Example"},
    };
    for (const Case& c : cases) {
        INFO(c.file << " <- " << c.input);
        CHECK(our_subject(c.input) == openssl_subject(c.file));
    }
}

TEST_CASE("openssl's own RFC 2253 rendering parses back to the same DER", "[subject]") {
    std::ifstream in(test::data_path("subject/openssl-rfc2253.txt"));
    REQUIRE(in);
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) {
        const auto tab = line.find('\t');
        REQUIRE(tab != std::string::npos);
        const std::string file = line.substr(0, tab);
        const std::string subject = line.substr(tab + 1);
        INFO(file << ": " << subject);
        ++lines;
        if (subject.find("=#") != std::string::npos) {
            // openssl dumps the OID it cannot name as #hex: refused, as the contract says.
            const Error error = dn_error(subject);
            CHECK(error.code == ErrorCode::usage);
            CHECK_THAT(error.message, Catch::Contains("hex-encoded"));
        } else {
            CHECK(our_subject(subject) == openssl_subject(file));
        }
    }
    CHECK(lines == 12);
}

TEST_CASE("string types follow openssl's attribute table, not the global mask", "[subject]") {
    // "pkix" would make OpenSSL pick PrintableString for CN=web; the encoder must not follow it.
    struct MaskGuard {
        unsigned long saved = ASN1_STRING_get_default_mask();
        ~MaskGuard() { ASN1_STRING_set_default_mask(saved); }
    } guard;
    ASN1_STRING_set_default_mask(~static_cast<unsigned long>(B_ASN1_T61STRING));
    X509NamePtr name = our_name("CN=web,C=DE,emailAddress=a@example.com,DC=example,serialNumber=ABC-123,O=Ex");
    REQUIRE(X509_NAME_entry_count(name.get()) == 6);
    // DER order: reverse of the string.
    const std::vector<std::pair<int, int>> expected = {
        {NID_organizationName, V_ASN1_UTF8STRING}, {NID_serialNumber, V_ASN1_PRINTABLESTRING},
        {NID_domainComponent, V_ASN1_IA5STRING},   {NID_pkcs9_emailAddress, V_ASN1_IA5STRING},
        {NID_countryName, V_ASN1_PRINTABLESTRING}, {NID_commonName, V_ASN1_UTF8STRING},
    };
    for (int i = 0; i < 6; ++i) {
        const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name.get(), i);
        INFO("entry " << i);
        CHECK(OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry)) == expected[static_cast<std::size_t>(i)].first);
        CHECK(ASN1_STRING_type(X509_NAME_ENTRY_get_data(entry)) == expected[static_cast<std::size_t>(i)].second);
    }
}

TEST_CASE("values the attribute's string type cannot hold are usage errors, as in openssl req", "[subject]") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"C=DEU", "longer than 2"},
        {"C=D\xC3\xBC", "PrintableString"},
        {"emailAddress=j\xC3\xB6se@example.com", "IA5String"},
        {"serialNumber=a_b", "PrintableString"},
        {"CN=" + std::string(65, 'a'), "longer than 64"},
    };
    for (const auto& [input, needle] : cases) {
        INFO(input);
        auto dn = parse_distinguished_name(input);
        REQUIRE(dn);
        const Error error = encode_error(*dn);
        CHECK(error.code == ErrorCode::usage);
        CHECK_THAT(error.message, Catch::Contains(needle));
    }
    CHECK(our_name("CN=" + std::string(64, 'a'))); // the limit itself is fine
}

// ---- DN: parsing ----------------------------------------------------------------------------

TEST_CASE("parsed DNs keep RFC 4514 order, types as typed and unescaped values", "[subject]") {
    auto dn = parse_distinguished_name(R"(CN=a+uid=b , O = Example\, Inc. ,C=DE)");
    REQUIRE(dn);
    REQUIRE(dn->rdns.size() == 3);
    REQUIRE(dn->rdns[0].size() == 2);
    CHECK(dn->rdns[0][0].type == "CN");
    CHECK(dn->rdns[0][0].value == "a");
    CHECK(dn->rdns[0][1].type == "uid");
    CHECK(dn->rdns[0][1].value == "b");
    REQUIRE(dn->rdns[1].size() == 1);
    CHECK(dn->rdns[1][0].type == "O");
    CHECK(dn->rdns[1][0].value == "Example, Inc.");
    CHECK(dn->rdns[2][0].value == "DE");

    const std::vector<std::pair<std::string, std::string>> values = {
        {R"(CN=\ a b \ )", " a b  "}, // escaped edge spaces kept, unescaped ones around them dropped only at the ends
        {R"(CN=a\\)", "a\\"},
        {"CN=x=y", "x=y"}, // '=' may stay bare inside a value
        {"CN=a#b", "a#b"}, // '#' only matters in front
        {"CN=tab\there", "tab\there"},
        {R"(CN=\c3\a9)", "\xC3\xA9"},
    };
    for (const auto& [input, value] : values) {
        INFO(input);
        auto parsed = parse_distinguished_name(input);
        REQUIRE(parsed);
        CHECK(parsed->rdns.at(0).at(0).value == value);
    }
}

TEST_CASE("malformed DNs are usage errors naming the cause", "[subject]") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "empty distinguished name"},
        {"   ", "empty distinguished name"},
        {"CN=", "empty value for CN"},
        {"CN=   ", "empty value for CN"},
        {"CN=a,O=", "empty value for O at position 8"},
        {"CN=a,XYZ=b", "unknown attribute type \"XYZ\" at position 6"},
        {"commonName=a", "unknown attribute type \"commonName\""}, // short names only
        {"1..2=a", "unknown attribute type \"1..2\""},
        {"01.2=a", "unknown attribute type \"01.2\""},
        {"C-=a", "unknown attribute type"},
        {"CN", "missing '=' after attribute type \"CN\""},
        {"CN a", "missing '=' after attribute type \"CN\" at position 4"},
        {"C N=a", "missing '=' after attribute type \"C\""},
        {"CN=a,O", "missing '='"},
        {"CN=a\\", "trailing backslash at position 5 in the value of CN"},
        {"CN=#0C0161", "hex-encoded value"},
        {"CN=  #x", "hex-encoded value"},
        {"CN=a\\q", "invalid escape \"\\q\""},
        {"CN=a\\4", "incomplete hex escape"},
        {"CN=a\\4g", "incomplete hex escape"},
        {"CN=\\C3", "not valid UTF-8"},
        {"CN=\xC3(", "not valid UTF-8"},
        {"CN=a\\00b", "NUL character"},
        {"CN=a\"b", "unescaped '\"'"},
        {"CN=a;b", "unescaped ';'"}, // RFC 2253's alternative separator is not taken
        {"CN=a<b", "unescaped '<'"},
        {"CN=a>b", "unescaped '>'"},
        {"CN=a,", "ends after ','"},
        {"CN=a+", "ends after '+'"},
        {",CN=a", "expected an attribute type at position 1"},
        {"CN=a,,O=b", "expected an attribute type at position 6"},
        {"=a", "expected an attribute type at position 1"},
    };
    for (const auto& [input, needle] : cases) {
        INFO(input);
        const Error error = dn_error(input);
        CHECK(error.code == ErrorCode::usage);
        CHECK_THAT(error.message, Catch::Contains(needle));
    }
}

TEST_CASE("to_x509_name checks hand-built names too", "[subject]") {
    CHECK_THAT(encode_error({{{{"XYZ", "a"}}}}).message, Catch::Contains("unknown attribute type \"XYZ\""));
    CHECK_THAT(encode_error({{{{"CN", ""}}}}).message, Catch::Contains("empty value for CN"));
    CHECK_THAT(encode_error({{{{"CN", "a"}}, {}}}).message, Catch::Contains("empty relative distinguished name"));
    CHECK_THAT(encode_error({{{{"CN", "\xFF"}}}}).message, Catch::Contains("not valid UTF-8"));
    CHECK_THAT(encode_error({{{{"CN", std::string("a\0b", 3)}}}}).message, Catch::Contains("NUL"));
    CHECK(encode_error({{{{"CN", ""}}}}).code == ErrorCode::usage);

    // Built by hand in RFC 4514 order, the result equals openssl's.
    const DistinguishedName dn{{{{"CN", "a"}, {"UID", "b"}}, {{"O", "Example, Inc."}}, {{"C", "DE"}}}};
    auto name = to_x509_name(dn);
    REQUIRE(name);
    CHECK(name_der_hex(name->get()) == openssl_subject("multivalued.der"));

    // No RDNs at all is a valid (empty) X.509 Name; only the parser refuses an empty string.
    auto empty = to_x509_name(DistinguishedName{});
    REQUIRE(empty);
    CHECK(X509_NAME_entry_count(empty->get()) == 0);
}

// ---- templates ------------------------------------------------------------------------------

TEST_CASE("template variables expand, $$ is a literal dollar", "[subject]") {
    const auto lookup = lookup_from({{"hostname", "web01"},
                                     {"host.fqdn", "web01.example.com"},
                                     {"my-var", "v"},
                                     {"_x1", "u"},
                                     {"loop", "${hostname}"},
                                     {"empty", ""}});
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"CN=${hostname},O=Example", "CN=web01,O=Example"},
        {"${host.fqdn}/${my-var}/${_x1}", "web01.example.com/v/u"},
        {"price $$5", "price $5"},
        {"$${hostname}", "${hostname}"},
        {"$$$${hostname}", "$${hostname}"},
        {"$$${hostname}", "$web01"},
        {"a$b $ end$", "a$b $ end$"},
        {"$", "$"},
        {"${loop}", "${hostname}"}, // values are inserted verbatim, never re-expanded
        {"[${empty}]", "[]"},
        {"no variables", "no variables"},
        {"", ""},
    };
    for (const auto& [input, output] : cases) {
        INFO(input);
        auto expanded = expand_template(input, lookup);
        REQUIRE(expanded);
        CHECK(*expanded == output);
    }
}

TEST_CASE("template errors name the variable", "[subject]") {
    const auto lookup = lookup_from({{"hostname", "web01"}, {"empty", ""}});
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"CN=${nope}", "unknown template variable ${nope}"},
        {"CN=${hostname", "unterminated \"${hostname\" at position 4"},
        {"CN=${", "unterminated"},
        {"${}", "invalid template variable name \"\""},
        {"${1abc}", "invalid template variable name \"1abc\""},
        {"${a b}", "invalid template variable name \"a b\""},
        {"${a${hostname}}", "invalid template variable name \"a${hostname\""},
        {"${-x}", "invalid template variable name \"-x\""},
        {"${.x}", "invalid template variable name \".x\""},
    };
    for (const auto& [input, needle] : cases) {
        INFO(input);
        const Error error = template_error(input, lookup);
        CHECK(error.code == ErrorCode::usage);
        CHECK_THAT(error.message, Catch::Contains(needle));
    }
    CHECK_THAT(template_error("${hostname}", VariableLookup{}).message, Catch::Contains("unknown template variable"));

    // A variable that expands to nothing must not yield an empty field.
    auto expanded = expand_template("CN=${empty},O=x", lookup);
    REQUIRE(expanded);
    CHECK_THAT(dn_error(*expanded).message, Catch::Contains("empty value for CN"));
}

TEST_CASE("a Markdown-escaped template gets a did-you-mean hint", "[subject]") {
    // The vendor's configuration page shows CN=$\{userEmailAddress}; copied along, it must not
    // become a literal subject.
    const auto lookup = lookup_from({{"userEmailAddress", "a@example.com"}});
    const Error error = template_error(R"(CN=$\{userEmailAddress},O=x)", lookup);
    CHECK(error.code == ErrorCode::usage);
    CHECK_THAT(error.message, Catch::Contains(R"("$\{userEmailAddress}" at position 4)"));
    CHECK(error.fix == "did you mean ${userEmailAddress}?");
    CHECK(template_error(R"(CN=$\{x)", lookup).fix == "did you mean ${x}?");
    // "$$" still writes a literal dollar, and a backslash elsewhere is left to the DN parser.
    auto literal = expand_template(R"(CN=$$\{x})", lookup);
    REQUIRE(literal);
    CHECK(*literal == R"(CN=$\{x})");
}

TEST_CASE("escape_dn_value escapes what RFC 4514 requires", "[subject]") {
    CHECK(escape_dn_value("Example, Inc.") == R"(Example\, Inc.)");
    CHECK(escape_dn_value(R"(a+b"c\d<e>f;g=h)") == R"(a\+b\"c\\d\<e\>f\;g\=h)");
    CHECK(escape_dn_value("#x") == R"(\#x)");
    CHECK(escape_dn_value("a#") == "a#");
    CHECK(escape_dn_value(" a b ") == R"(\ a b\ )");
    CHECK(escape_dn_value(" ") == R"(\ )");
    CHECK(escape_dn_value("José") == "José");
    CHECK(escape_dn_value("") == "");
    CHECK(escape_dn_value(std::string("a\0b", 3)) == R"(a\00b)");
}

TEST_CASE("escape_dn_value round-trips through the parser", "[subject]") {
    const std::vector<std::string> values = {
        "plain",
        "Example, Inc.",
        R"(a+b"c\d<e>f;g=h)",
        "#",
        "##",
        " # ",
        "  two leading",
        "trailing  ",
        " ",
        "   ",
        "=",
        ",,,",
        "\\",
        "\\ ",
        "x\\ y",
        "José Müller 😀",
        "東京",
        "a  b",
        "\\20",
        "$$",
        "tab\t",
    };
    for (const std::string& value : values) {
        INFO("value: [" << value << "] escaped: [" << escape_dn_value(value) << "]");
        const std::string escaped = escape_dn_value(value);
        for (const std::string& text :
             {"CN=" + escaped, "CN=" + escaped + ",O=x", "CN=" + escaped + " + UID=" + escaped + " ,O=x"}) {
            auto dn = parse_distinguished_name(text);
            REQUIRE(dn);
            CHECK(dn->rdns.at(0).at(0).value == value);
            if (dn->rdns[0].size() == 2) CHECK(dn->rdns[0][1].value == value);
        }
    }
    // The way callers are meant to combine them: escaped variables expand into openssl's DER.
    const std::map<std::string, std::string> raw = {{"cn", R"(a,b+c"d\e<f>g;h=i)"}, {"org", "Example, Inc."}};
    const VariableLookup escaped = [&raw](std::string_view name) -> std::optional<std::string> {
        const auto it = raw.find(std::string(name));
        if (it == raw.end()) return std::nullopt;
        return escape_dn_value(it->second);
    };
    auto text = expand_template("CN=${cn},O=${org}", escaped);
    REQUIRE(text);
    CHECK(our_subject(*text) == openssl_subject("escapes.der"));
}

// ---- subjectAltName -------------------------------------------------------------------------

TEST_CASE("subjectAltName specs parse and validate", "[subject]") {
    using Kind = SubjectAltName::Kind;
    struct Case {
        std::string spec;
        Kind kind;
        std::string value;
    };
    const std::vector<Case> cases = {
        {"dns:host.example.com", Kind::dns, "host.example.com"},
        {"DNS:*.wild.example", Kind::dns, "*.wild.example"},
        {"Dns:localhost", Kind::dns, "localhost"},
        {"dns:xn--bcher-kva.example", Kind::dns, "xn--bcher-kva.example"},
        {" dns: host.example.com ", Kind::dns, "host.example.com"},
        {"ip:192.0.2.1", Kind::ip, "192.0.2.1"},
        {"IP:2001:DB8:0:0:0:0:0:1", Kind::ip, "2001:db8::1"},
        {"ip:2001:0db8:0000::0001", Kind::ip, "2001:db8::1"},
        {"ip:::1", Kind::ip, "::1"},
        {"ip:::ffff:192.0.2.1", Kind::ip, "::ffff:192.0.2.1"},
        {"email:a@example.com", Kind::email, "a@example.com"},
        {"EMAIL:first.last+tag@sub.example.com", Kind::email, "first.last+tag@sub.example.com"},
        {"uri:https://example.com/x", Kind::uri, "https://example.com/x"},
        {"URI:urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", Kind::uri,
         "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"},
        {"upn:user@example.com", Kind::upn, "user@example.com"},
        {"UPN:jösé@example.com", Kind::upn, "jösé@example.com"},
    };
    for (const Case& c : cases) {
        INFO(c.spec);
        auto san = parse_subject_alt_name(c.spec);
        if (!san) FAIL(san.error().message);
        CHECK(san->kind == c.kind);
        CHECK(san->value == c.value);
    }
}

TEST_CASE("invalid subjectAltName specs are usage errors naming the spec", "[subject]") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"host.example.com", "has no kind"},
        {"foo:bar", "unknown subjectAltName kind \"foo\""},
        {"dns:", "empty value"},
        {"dns:a..example", "empty label"},
        {"dns:.example", "empty label"},
        {"dns:example.", "empty label"},
        {"dns:-a.example", "starts or ends with '-'"},
        {"dns:a-.example", "starts or ends with '-'"},
        {"dns:a_b.example", "only letters, digits"},
        {"dns:ex ample.com", "only letters, digits"},
        {"dns:*", "'*' is only allowed"},
        {"dns:*.", "empty DNS name"},
        {"dns:a.*.example", "'*' is only allowed"},
        {"dns:*a.example", "'*' is only allowed"},
        {"dns:exämple.com", "non-ASCII"},
        {"dns:" + std::string(64, 'a') + ".example", "longer than 63"},
        {"ip:192.0.2.256", "not an IPv4 or IPv6 address"},
        {"ip:192.0.2", "not an IPv4 or IPv6 address"},
        {"ip:192.0.2.1/24", "not an IPv4 or IPv6 address"},
        {"ip:2001:db8:::1", "not an IPv4 or IPv6 address"},
        {"ip:fe80::1%eth0", "not an IPv4 or IPv6 address"},
        {"ip:[2001:db8::1]", "not an IPv4 or IPv6 address"},
        {"ip:host.example.com", "not an IPv4 or IPv6 address"},
        {"email:no-at.example.com", "exactly one '@'"},
        {"email:a@b@example.com", "exactly one '@'"},
        {"email:@example.com", "empty local part"},
        {"email:a@", "empty DNS name after '@'"},
        {"email:a@bad..example", "empty label"},
        {"email:jösé@example.com", "ASCII"},
        {"email:a b@example.com", "ASCII"},
        {"uri:example.com/x", "needs a scheme"},
        {"uri:1http://x", "needs a scheme"},
        {"uri:://x", "needs a scheme"},
        {"uri:https:", "nothing after the URI scheme"},
        {"uri:https://exa mple.com", "ASCII without spaces"},
        {"upn:user", "exactly one '@'"},
        {"upn:a@b@example.com", "exactly one '@'"},
        {"upn:@example.com", "before and a suffix after"},
        {"upn:user@", "before and a suffix after"},
        {"upn:us er@example.com", "spaces"},
        {"upn:\xC3(@example.com", "UTF-8"},
    };
    for (const auto& [spec, needle] : cases) {
        INFO(spec);
        auto san = parse_subject_alt_name(spec);
        REQUIRE_FALSE(san);
        CHECK(san.error().code == ErrorCode::usage);
        CHECK_THAT(san.error().message, Catch::Contains(needle));
        if (spec.find('\xC3') == std::string::npos) CHECK_THAT(san.error().message, Catch::Contains(spec));
    }
}

TEST_CASE("subjectAltNames encode to the GeneralNames openssl wrote", "[subject]") {
    CHECK(our_sans({"dns:a.example", "dns:*.wild.example", "ip:192.0.2.1", "ip:2001:db8::1", "email:a@example.com",
                    "uri:https://example.com/x", "upn:user@example.com"}) == openssl_san("san.der"));
    // Same names typed differently: prefixes in any case, a non-canonical IPv6 literal.
    CHECK(our_sans({"DNS:a.example", "Dns:*.wild.example", "IP:192.0.2.1", "ip:2001:0DB8:0:0:0:0:0:0001",
                    "Email:a@example.com", "URI:https://example.com/x", "UPN:user@example.com"}) ==
          openssl_san("san.der"));
    CHECK(our_sans({"upn:jösé@example.com"}) == openssl_san("san-upn-utf8.der"));
}

TEST_CASE("a certificate's subjectAltNames read back as the specs that encode them", "[subject]") {
    const ossl::X509Ptr cert = load_cert("san.der"); // written by openssl req -addext subjectAltName=...
    const CertificateAltNames read = subject_alt_names_of(cert.get());
    CHECK(read.skipped.empty());
    std::vector<std::string> specs;
    for (const auto& name : read.names) {
        const char* prefix[] = {"dns:", "ip:", "email:", "uri:", "upn:"};
        specs.push_back(prefix[static_cast<int>(name.kind)] + name.value);
    }
    CHECK(specs == std::vector<std::string>{"dns:a.example", "dns:*.wild.example", "ip:192.0.2.1", "ip:2001:db8::1",
                                            "email:a@example.com", "uri:https://example.com/x",
                                            "upn:user@example.com"});
    // Encoding them again gives openssl's bytes: a renewal asks for exactly the same names.
    auto encoded = to_general_names(read.names);
    REQUIRE(encoded);
    unsigned char* out = nullptr;
    const int len = i2d_GENERAL_NAMES(encoded->get(), &out);
    REQUIRE(len > 0);
    CHECK(to_hex(ByteView(out, static_cast<std::size_t>(len))) == openssl_san("san.der"));
    OPENSSL_free(out);

    const CertificateAltNames utf8 = subject_alt_names_of(load_cert("san-upn-utf8.der").get());
    REQUIRE(utf8.names.size() == 1);
    CHECK(utf8.names[0].value == "jösé@example.com");
    CHECK(subject_alt_names_of(load_cert("simple.der").get()).names.empty()); // no extension at all
}

TEST_CASE("SAN kinds a request cannot carry are named, not dropped silently", "[subject]") {
    test::TempDir dir;
    auto certs = Certificate::from_pem(
        test::openssl_self_signed(dir.path, "-addext 'subjectAltName=DNS:x.example,dirName:dir_sect,RID:1.2.3.4'"));
    REQUIRE(certs);
    const CertificateAltNames read = subject_alt_names_of(certs->front().native());
    REQUIRE(read.names.size() == 1);
    CHECK(read.names[0].value == "x.example");
    CHECK(read.skipped == std::vector<std::string>{"dirName", "registeredID"});
}

TEST_CASE("the UPN is a Microsoft otherName holding a UTF8String", "[subject]") {
    auto names = to_general_names({SubjectAltName{SubjectAltName::Kind::upn, "jösé@example.com"}});
    REQUIRE(names);
    REQUIRE(sk_GENERAL_NAME_num(names->get()) == 1);
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names->get(), 0);
    int type = 0;
    const auto* other = static_cast<const OTHERNAME*>(GENERAL_NAME_get0_value(gen, &type));
    REQUIRE(type == GEN_OTHERNAME);
    char oid[64];
    OBJ_obj2txt(oid, sizeof oid, other->type_id, 1);
    CHECK(std::string(oid) == "1.3.6.1.4.1.311.20.2.3");
    REQUIRE(other->value->type == V_ASN1_UTF8STRING);
    const ASN1_UTF8STRING* utf8 = other->value->value.utf8string;
    CHECK(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(utf8)),
                      static_cast<std::size_t>(ASN1_STRING_length(utf8))) == "jösé@example.com");
}

TEST_CASE("to_general_names refuses an empty list and invalid hand-built names", "[subject]") {
    auto none = to_general_names({});
    REQUIRE_FALSE(none);
    CHECK(none.error().code == ErrorCode::usage);
    CHECK_THAT(none.error().message, Catch::Contains("at least one"));

    auto bad_ip = to_general_names(
        {SubjectAltName{SubjectAltName::Kind::dns, "a.example"}, SubjectAltName{SubjectAltName::Kind::ip, "nope"}});
    REQUIRE_FALSE(bad_ip);
    CHECK(bad_ip.error().code == ErrorCode::usage);
    CHECK_THAT(bad_ip.error().message, Catch::Contains("\"ip:nope\""));

    auto bad_dns = to_general_names({SubjectAltName{SubjectAltName::Kind::dns, "a..b"}});
    REQUIRE_FALSE(bad_dns);
    CHECK_THAT(bad_dns.error().message, Catch::Contains("empty label"));

    // A hand-built, non-canonical IP literal is accepted and encoded by value.
    auto ok = to_general_names({SubjectAltName{SubjectAltName::Kind::ip, "2001:DB8::0:1"}});
    REQUIRE(ok);
    CHECK(general_names_hex(ok->get()) == our_sans({"ip:2001:db8::1"}));
}
