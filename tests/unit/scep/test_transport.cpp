// scep/transport: what a server offers in WWW-Authenticate.
#include <catch2/catch.hpp>

#include "scep/transport.hpp"

TEST_CASE("auth schemes are read from WWW-Authenticate, params and tokens skipped", "[scep][auth]") {
    using scep::offered_auth_schemes;
    CHECK(offered_auth_schemes("Negotiate, NTLM") == std::vector<std::string>{"negotiate", "ntlm"});
    CHECK(offered_auth_schemes("Basic realm=\"NDES, admin\", Negotiate") ==
          std::vector<std::string>{"basic", "negotiate"});
    CHECK(offered_auth_schemes("Negotiate oYG2MIGzoAMKAQChCwYJKoZIgvcSAQIC") == std::vector<std::string>{"negotiate"});
    CHECK(offered_auth_schemes("Digest realm=\"x\", qop=\"auth,auth-int\", nonce=\"abc\"") ==
          std::vector<std::string>{"digest"});
    CHECK(offered_auth_schemes("").empty());
    CHECK(offered_auth_schemes("NTLM, NTLM") == std::vector<std::string>{"ntlm"});
}
