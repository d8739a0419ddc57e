// The SPN-ownership and delegation checks without a KDC (src/krb/spn_owner.cpp, delegation.cpp):
// what they refuse before sending anything, and the KDC answers no MIT KDC gives (a duplicate SPN),
// made by MIT's own krb5_mk_error and fed to the library through its KDC send hook.
#include <catch2/catch.hpp>

#include <cstring>

#include "krb/delegation.hpp"
#include "krb/gss_handles.hpp"
#include "krb/session_state.hpp"
#include "krb/spn_owner.hpp"

namespace {

krb::KerberosSettings settings() {
    krb::KerberosSettings s;
    s.realm = "EXAMPLE.TEST";
    s.kdcs = {"127.0.0.1:9"}; // never reached: the hook answers, or nothing is sent
    s.principal = "svc-scep@EXAMPLE.TEST";
    s.password = util::Secret("not-used");
    s.allowed_domains = {"example.test"};
    return s;
}

// Answers every request with a KRB-ERROR carrying `code`, and counts the requests.
struct FakeKdc {
    krb5_error_code code;
    int requests = 0;
};
krb5_error_code KRB5_CALLCONV answer(krb5_context context, void* data, const krb5_data*, const krb5_data*, krb5_data**,
                                     krb5_data** reply_out) {
    auto* kdc = static_cast<FakeKdc*>(data);
    ++kdc->requests;
    krb5_error error{};
    error.magic = KV5M_ERROR;
    error.error = static_cast<krb5_ui_4>(kdc->code - ERROR_TABLE_BASE_krb5);
    krb5_principal server = nullptr;
    krb5_parse_name(context, "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST", &server);
    error.server = server;
    krb5_data* out = static_cast<krb5_data*>(calloc(1, sizeof(krb5_data)));
    const krb5_error_code made = krb5_mk_error(context, &error, out);
    krb5_free_principal(context, server);
    *reply_out = out;
    return made;
}

// DER: tag, short or long length, content.
std::string der(unsigned char tag, const std::string& content) {
    std::string out(1, static_cast<char>(tag));
    if (content.size() < 0x80) {
        out += static_cast<char>(content.size());
    } else {
        out += static_cast<char>(0x82);
        out += static_cast<char>(content.size() >> 8);
        out += static_cast<char>(content.size() & 0xff);
    }
    return out + content;
}
// RFC 4120 5.3 Ticket for krbtgt/EXAMPLE.TEST, with an enc-part nobody can decrypt: well-formed
// enough for the library to put it in a TGS-REQ.
std::string fake_ticket() {
    const std::string realm = der(0x1b, "EXAMPLE.TEST");
    const std::string sname =
        der(0x30, der(0xa0, der(0x02, "\x02")) + der(0xa1, der(0x30, der(0x1b, "krbtgt") + realm)));
    const std::string enc_part = der(0x30, der(0xa0, der(0x02, "\x12")) + der(0xa2, der(0x04, std::string(48, 'x'))));
    return der(0x61,
               der(0x30, der(0xa0, der(0x02, "\x05")) + der(0xa1, realm) + der(0xa2, sname) + der(0xa3, enc_part)));
}

// A TGT in the session's cache, as if acquire_initial_ticket had run (the TGS-REQ needs one to
// be built; the fake KDC never decrypts it).
void store_fake_tgt(krb::Session::State& s) {
    krb5_context ctx = s.context.get();
    krb5_creds creds{};
    REQUIRE(krb5_parse_name(ctx, "svc-scep@EXAMPLE.TEST", &creds.client) == 0);
    REQUIRE(krb5_parse_name(ctx, "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST", &creds.server) == 0);
    REQUIRE(krb5_c_make_random_key(ctx, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &creds.keyblock) == 0);
    krb5_timeofday(ctx, &creds.times.authtime);
    creds.times.starttime = creds.times.authtime;
    creds.times.endtime = creds.times.authtime + 3600;
    std::string ticket = fake_ticket();
    creds.ticket.data = ticket.data();
    creds.ticket.length = static_cast<unsigned int>(ticket.size());
    REQUIRE(krb5_cc_initialize(ctx, s.ccache, creds.client) == 0);
    REQUIRE(krb5_cc_store_cred(ctx, s.ccache, &creds) == 0);
    creds.ticket.data = nullptr;
    creds.ticket.length = 0;
    krb5_free_cred_contents(ctx, &creds);
}

krb::SpnOwnership check_with_answer(krb5_error_code code, FakeKdc& kdc) {
    auto session = krb::Session::open(settings());
    REQUIRE(session);
    krb::Session::State& s = (*session)->state();
    store_fake_tgt(s);
    kdc.code = code;
    krb5_set_kdc_send_hook(s.context.get(), answer, &kdc);
    return krb::check_spn_ownership(**session, "ndes.example.test");
}

} // namespace

TEST_CASE("a KDC that reports the SPN on two accounts gives 'duplicate' with the setspn -Q/-D fix", "[krb]") {
    FakeKdc kdc{};
    const auto result = check_with_answer(KRB5KDC_ERR_PRINCIPAL_NOT_UNIQUE, kdc);
    CHECK(kdc.requests > 0); // MIT asks again once without the referral realm
    CHECK(result.owner == krb::SpnOwner::duplicate);
    CHECK(result.spn == "HTTP/ndes.example.test@EXAMPLE.TEST");
    CHECK(result.krb5_error == "KRB5KDC_ERR_PRINCIPAL_NOT_UNIQUE");
    CHECK(result.summary == "the KDC reports HTTP/ndes.example.test@EXAMPLE.TEST on more than one account");
    CHECK(result.fix == "setspn -Q http/ndes.example.test (forest-wide: setspn -X) lists every account that holds it; "
                        "remove it from all but svc-scep with setspn -D http/ndes.example.test "
                        "<DOMAIN>\\<other account>");
    CHECK_FALSE(result.evidence);
}

TEST_CASE("an unknown SPN gives 'missing' with the setspn -S fix", "[krb]") {
    FakeKdc kdc{};
    const auto result = check_with_answer(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, kdc);
    CHECK(result.owner == krb::SpnOwner::missing);
    CHECK(result.fix == "register the SPN on the service account: setspn -S http/ndes.example.test <DOMAIN>\\svc-scep");
}

TEST_CASE("any other KDC answer leaves the SPN owner undecided, with the MIT meaning", "[krb]") {
    FakeKdc kdc{};
    const auto result = check_with_answer(KRB5KDC_ERR_ETYPE_NOSUPP, kdc);
    CHECK(result.owner == krb::SpnOwner::not_checked);
    CHECK(result.krb5_error == "KRB5KDC_ERR_ETYPE_NOSUPP");
    CHECK(result.summary.find("no encryption type in common") != std::string::npos);
    CHECK_FALSE(result.passed());
}

TEST_CASE("a host outside the allowed domains is not asked for", "[krb]") {
    auto session = krb::Session::open(settings());
    REQUIRE(session);
    FakeKdc kdc{KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN};
    krb5_set_kdc_send_hook((*session)->state().context.get(), answer, &kdc);
    const auto result = krb::check_spn_ownership(**session, "ndes.example.test.evil.org");
    CHECK(kdc.requests == 0);
    CHECK(result.owner == krb::SpnOwner::not_checked);
    CHECK(result.summary == "ndes.example.test.evil.org is outside the allowed domains: nothing is sent for it");

    krb::SpnOwnership owned;
    owned.owner = krb::SpnOwner::this_account;
    owned.spn = "HTTP/ndes.example.test@EXAMPLE.TEST";
    owned.evidence = std::make_shared<krb::Evidence>();
    owned.forwardable = true;
    const auto delegation = krb::check_delegation(**session, owned, {"HTTP/web.other.org", ""});
    CHECK(kdc.requests == 0);
    CHECK(delegation.result == krb::DelegationResult::not_checked);
    CHECK(delegation.target == "HTTP/web.other.org@EXAMPLE.TEST");
    CHECK(delegation.summary == "web.other.org is outside the allowed domains: nothing is sent for it");
}

TEST_CASE("delegation needs an accepted, forwardable ticket and names both usual causes", "[krb]") {
    auto session = krb::Session::open(settings());
    REQUIRE(session);
    krb::SpnOwnership other;
    other.owner = krb::SpnOwner::other_account;
    CHECK(krb::check_delegation(**session, other).result == krb::DelegationResult::not_checked);

    krb::SpnOwnership owned;
    owned.owner = krb::SpnOwner::this_account;
    owned.spn = "HTTP/ndes.example.test@EXAMPLE.TEST";
    owned.account = "svc-scep@EXAMPLE.TEST";
    owned.evidence = std::make_shared<krb::Evidence>();
    owned.forwardable = false;
    const auto result = krb::check_delegation(**session, owned);
    CHECK(result.result == krb::DelegationResult::not_forwardable);
    CHECK(result.target == "HTTP/ndes.example.test@EXAMPLE.TEST");
    CHECK(result.summary.find("(the account is marked sensitive)") != std::string::npos);
    CHECK(result.fix.find("clear 'Account is sensitive and cannot be delegated' on svc-scep") == 0);
    CHECK(result.fix.find("kinit -f") != std::string::npos);
}

TEST_CASE("SPN and account names are taken apart as setspn wants them", "[krb]") {
    CHECK(krb::spn_host("HTTP/ndes.example.test@EXAMPLE.TEST") == "ndes.example.test");
    CHECK(krb::spn_host("HTTP/ndes.example.test") == "ndes.example.test");
    CHECK(krb::spn_host("ndes") == "ndes");
    CHECK(krb::account_name("svc-scep@EXAMPLE.TEST") == "svc-scep");
    CHECK(krb::account_name("svc-scep") == "svc-scep");
    CHECK(krb::to_string(krb::SpnOwner::other_account) == "other-account");
    CHECK(krb::to_string(krb::DelegationResult::not_configured) == "not-configured");
    CHECK(krb::to_string(krb::ProtocolTransition::enabled) == "enabled");
}
