#include <catch2/catch.hpp>

#include "scep/crl.hpp"
#include "test_support.hpp"

using namespace scep;

namespace {

Crl crl_from_pem(const std::string& file) {
    // The openssl CLI wrote PEM; the DER inside is what a GetCRL reply carries.
    int status = 0;
    const std::string der =
        test::shell("openssl crl -in " + test::data_path(file) + " -outform DER | base64 -w0", status);
    REQUIRE(status == 0);
    auto bytes = base64_decode(der);
    REQUIRE(bytes);
    auto crl = Crl::from_der(*bytes);
    REQUIRE(crl);
    return *crl;
}

} // namespace

TEST_CASE("CRL made by openssl ca: issuer, revocation of one certificate, signature", "[crl]") {
    const Crl crl = crl_from_pem("rollover/crl.pem");
    const Certificate ca = test::certificate("openssl/ca.pem");
    CHECK(crl.issuer() == "CN=Test NDES Root CA,O=scepctl tests");
    CHECK(crl.revoked_count() == 1);
    CHECK(crl.next_update().has_value());
    CHECK(crl.signed_by(ca));
    CHECK_FALSE(crl.signed_by(test::certificate("openssl/other-ca.pem")));
    CHECK(crl.revocation_date(test::certificate("openssl/ra-encrypt.pem")).has_value()); // serial 0x1003
    CHECK_FALSE(crl.revocation_date(test::certificate("openssl/ra-sign.pem")).has_value());
    CHECK(crl.pem().rfind("-----BEGIN X509 CRL-----", 0) == 0);
    const Crl again = *Crl::from_der(crl.der());
    CHECK(again.der() == crl.der());
}

TEST_CASE("CRL signed by another CA does not verify with ours", "[crl]") {
    const Crl other = crl_from_pem("rollover/other-ca-crl.pem");
    CHECK(other.issuer() == "CN=Other CA,O=scepctl tests");
    CHECK_FALSE(other.signed_by(test::certificate("openssl/ca.pem")));
    CHECK(other.signed_by(test::certificate("openssl/other-ca.pem")));
    CHECK(other.revoked_count() == 0);
}

TEST_CASE("CRLs-only PKCS#7 (GetCRL reply content)", "[crl]") {
    auto crls = crls_from_pkcs7(test::read_data("rollover/crl.p7b"));
    REQUIRE(crls);
    REQUIRE(crls->size() == 1);
    CHECK(crls->front().der() == crl_from_pem("rollover/crl.pem").der());
    // A certs-only bundle holds no CRL; garbage and a truncated structure are refused.
    auto none = crls_from_pkcs7(test::read_data("openssl/getcacert-ndes.p7b"));
    REQUIRE_FALSE(none);
    CHECK(none.error().code == ErrorCode::bad_reply);
    CHECK(none.error().message == "PKCS#7 bundle contains no CRL");
    CHECK_FALSE(crls_from_pkcs7(test::read_data("openssl/getcacert-garbage.bin")));
    CHECK_FALSE(Crl::from_der(test::read_data("openssl/ca.der")));
}
