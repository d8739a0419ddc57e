// util/url: URLs in what scepctl shows never carry user information.
#include <catch2/catch.hpp>

#include "util/url.hpp"

TEST_CASE("redact_url hides user information wherever a URL appears", "[util][secrets]") {
    CHECK(util::redact_url("https://user:pw@ndes.example.test/x") == "https://<redacted>@ndes.example.test/x");
    CHECK(util::redact_url("see http://a:b@h/ and https://c:d@i/") ==
          "see http://<redacted>@h/ and https://<redacted>@i/");
    CHECK(util::redact_url("http://host/path?x=a@b") == "http://host/path?x=a@b");
    CHECK(util::redact_url("no url here") == "no url here");
}
