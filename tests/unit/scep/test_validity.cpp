// The requested validity: "365d" parsed, encoded as [MS-WCCE] 2.2.2.7.10 says (compared byte for
// byte with attributes `openssl asn1parse -genconf` made, tests/data/wcce), carried in the PKCS#10,
// and compared with what the CA issued.
#include <catch2/catch.hpp>

#include <openssl/x509.h>

#include "scep/csr.hpp"
#include "scep/enrollment.hpp"
#include "test_support.hpp"

using namespace scep;

namespace {

RequestedValidity validity(const std::string& text) {
    auto parsed = parse_validity(text);
    INFO(text);
    REQUIRE(parsed);
    return *parsed;
}

// The DER of the first szOID_ENROLLMENT_NAME_VALUE_PAIR attribute of a PKCS#10.
Bytes name_value_attribute(const Bytes& csr_der) {
    const unsigned char* p = csr_der.data();
    X509_REQ* req = d2i_X509_REQ(nullptr, &p, static_cast<long>(csr_der.size()));
    REQUIRE(req != nullptr);
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.311.13.2.1", 1);
    const int index = X509_REQ_get_attr_by_OBJ(req, oid, -1);
    Bytes der;
    if (index >= 0) {
        unsigned char* out = nullptr;
        const int len = i2d_X509_ATTRIBUTE(X509_REQ_get_attr(req, index), &out);
        der.assign(out, out + len);
        OPENSSL_free(out);
    }
    ASN1_OBJECT_free(oid);
    X509_REQ_free(req);
    return der;
}

} // namespace

TEST_CASE("validity periods are parsed with their unit", "[validity]") {
    CHECK(to_string(validity("365d")) == "365d");
    CHECK(validity("1y").unit == ValidityUnit::years);
    CHECK(validity("90 days").count == 90);
    CHECK(validity("12H").unit == ValidityUnit::hours);
    CHECK(validity("2w").unit == ValidityUnit::weeks);
    CHECK(validity("6mo").unit == ValidityUnit::months);
    CHECK(validity("100y").count == 100);
    for (const char* bad : {"", "d", "365", "0d", "-1d", "1.5y", "6m", "101y", "365 fortnights", "1234567d"}) {
        INFO(bad);
        auto parsed = parse_validity(bad);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().code == ErrorCode::usage);
        CHECK(parsed.error().fix.find("90d") != std::string::npos);
    }
}

TEST_CASE("the validity attribute is encoded as MS-WCCE says (third-party vectors)", "[validity]") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"365d", "validity-365-days.der"}, {"1y", "validity-1-years.der"}, {"12h", "validity-12-hours.der"},
        {"6mo", "validity-6-months.der"},  {"2w", "validity-2-weeks.der"},
    };
    for (const auto& [text, file] : cases) {
        INFO(file);
        CHECK(validity_attribute_der(validity(text)) == test::read_data("wcce/" + file));
    }
}

TEST_CASE("the PKCS#10 carries the validity attribute only when asked", "[validity]") {
    const PrivateKey key = test::private_key("openssl/ra-sign.key");
    CsrParams params;
    params.subject = *parse_distinguished_name("CN=device-1");
    auto without = build_csr(key, params);
    REQUIRE(without);
    CHECK(name_value_attribute(Bytes(without->der.begin(), without->der.end())).empty());

    params.validity = validity("365d");
    params.challenge_password = util::Secret("secret");
    auto with = build_csr(key, params);
    REQUIRE(with);
    CHECK(name_value_attribute(Bytes(with->der.begin(), with->der.end())) ==
          test::read_data("wcce/validity-365-days.der"));
}

TEST_CASE("a CA that issued another validity is named, one that honoured it is not", "[validity]") {
    // current.pem: 2026-01-01 to 2036-01-01 (openssl ca -startdate/-enddate, tests/data/validity).
    const Certificate ten_years = test::certificate("validity/current.pem");
    CHECK_FALSE(validity_difference(validity("10y"), ten_years));
    CHECK_FALSE(validity_difference(validity("3652d"), ten_years)); // 2 leap days: within 1%
    const auto note = validity_difference(validity("90d"), ten_years);
    REQUIRE(note);
    CHECK(note->find("asked for a validity of 90d, the CA issued 3652 days") != std::string::npos);
    CHECK(note->find("certutil -setreg policy\\EditFlags +EDITF_ATTRIBUTEENDDATE") != std::string::npos);
    CHECK(validity_difference(validity("1y"), ten_years));
    CHECK(validity_difference(validity("120mo"), ten_years) == std::nullopt);
}
