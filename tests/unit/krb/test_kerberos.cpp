// The allowed-domains rule and the MIT error catalogue (src/krb/kerberos.cpp).
#include <catch2/catch.hpp>

#include <krb5/krb5.h>

#include "krb/kerberos.hpp"
#include "krb/negotiate.hpp"

TEST_CASE("hosts match allowed domains on a label boundary, case-insensitively", "[krb]") {
    const std::vector<std::string> domains{"example.com", ".Corp.Example.NET"};
    CHECK(krb::host_in_domains("ndes.example.com", domains));
    CHECK(krb::host_in_domains("NDES.EXAMPLE.COM", domains));
    CHECK(krb::host_in_domains("example.com", domains));
    CHECK(krb::host_in_domains("example.com.", domains));
    CHECK(krb::host_in_domains("a.b.corp.example.net", domains));
    CHECK_FALSE(krb::host_in_domains("badexample.com", domains));
    CHECK_FALSE(krb::host_in_domains("example.com.evil.org", domains));
    CHECK_FALSE(krb::host_in_domains("corp.example.net.evil", domains));
    CHECK_FALSE(krb::host_in_domains("example.net", domains));
    CHECK_FALSE(krb::host_in_domains("", domains));
    CHECK_FALSE(krb::host_in_domains("ndes.example.com", {}));
    CHECK_FALSE(krb::host_in_domains("ndes.example.com", {""}));
    CHECK(krb::host_in_domains("localhost", {"localhost"}));
}

TEST_CASE("MIT error codes come with a meaning and an admin action", "[krb]") {
    const auto preauth = krb::describe_error(KRB5KDC_ERR_PREAUTH_FAILED);
    REQUIRE(preauth);
    CHECK(preauth->name == "KRB5KDC_ERR_PREAUTH_FAILED");
    CHECK(std::string(preauth->meaning).find("wrong password") != std::string::npos);
    const auto spn = krb::describe_error(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN);
    REQUIRE(spn);
    CHECK(std::string(spn->fix).find("setspn -s http/") != std::string::npos);
    const auto duplicate = krb::describe_error(KRB5KDC_ERR_PRINCIPAL_NOT_UNIQUE);
    REQUIRE(duplicate);
    CHECK(std::string(duplicate->fix).find("setspn -Q") != std::string::npos);
    const auto skew = krb::describe_error(KRB5KRB_AP_ERR_SKEW);
    REQUIRE(skew);
    CHECK(std::string(skew->fix).find("NTP") != std::string::npos);
    CHECK_FALSE(krb::describe_error(0));
    CHECK_FALSE(krb::describe_error(12345));
}

TEST_CASE("server-side Kerberos errors map to the IIS/keytab remedy", "[krb]") {
    const auto badkeyver = krb::describe_error(KRB5KRB_AP_ERR_BADKEYVER);
    REQUIRE(badkeyver);
    CHECK(std::string(badkeyver->meaning).find("stale keytab") != std::string::npos);
    CHECK(std::string(badkeyver->fix).find("useAppPoolCredentials=True") != std::string::npos);
    const auto modified = krb::describe_error(KRB5KRB_AP_ERR_MODIFIED);
    REQUIRE(modified);
    CHECK(std::string(modified->fix).find("kernel-mode authentication") != std::string::npos);
    const auto not_us = krb::describe_error(KRB5KRB_AP_ERR_NOT_US);
    REQUIRE(not_us);
    CHECK(std::string(not_us->fix).find("setspn -Q http/<fqdn>") != std::string::npos);
    const auto unreachable = krb::describe_error(KRB5_KDC_UNREACH);
    REQUIRE(unreachable);
    CHECK(std::string(unreachable->fix).find("port 88") != std::string::npos);
}

TEST_CASE("a GSSAPI minor text is traced back to its MIT code", "[krb]") {
    // What MIT prints for a stale keytab and for a missing SPN, as gss_display_status shows it.
    CHECK(krb::error_code_from_text("Unspecified GSS failure.  Minor code may provide more information "
                                    "(Key version is not available)") == KRB5KRB_AP_ERR_BADKEYVER);
    CHECK(krb::error_code_from_text("Server not found in Kerberos database") == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN);
    CHECK_FALSE(krb::error_code_from_text("something else entirely"));
}

TEST_CASE("the Negotiate token is taken from WWW-Authenticate, whatever else is offered", "[krb]") {
    CHECK(krb::negotiate_token_from("Negotiate YWJj") == util::Bytes{'a', 'b', 'c'});
    CHECK(krb::negotiate_token_from("NTLM, Negotiate YWJjZA==") == util::Bytes{'a', 'b', 'c', 'd'});
    CHECK(krb::negotiate_token_from("Negotiate").empty());
    CHECK(krb::negotiate_token_from("Basic realm=\"x\"").empty());
    CHECK(krb::negotiate_token_from("Negotiate !!!!").empty());
}
