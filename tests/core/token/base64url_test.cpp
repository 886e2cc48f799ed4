#include <doctest/doctest.h>

#include <string>

#include "core/token/base64url.h"

using namespace amo::token;

TEST_CASE("base64url encodes the RFC 4648 vectors without padding") {
  CHECK(base64url_encode("") == "");
  CHECK(base64url_encode("f") == "Zg");
  CHECK(base64url_encode("fo") == "Zm8");
  CHECK(base64url_encode("foo") == "Zm9v");
  CHECK(base64url_encode("foob") == "Zm9vYg");
  CHECK(base64url_encode("fooba") == "Zm9vYmE");
  CHECK(base64url_encode("foobar") == "Zm9vYmFy");
  CHECK(base64url_encode("\xfb\xff") == "-_8");
}

TEST_CASE("base64url decodes what it encodes, every length and byte") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string out;
  for (std::size_t n = 0; n <= all.size(); ++n) {
    std::string in = all.substr(0, n);
    REQUIRE(base64url_decode(base64url_encode(in), out));
    REQUIRE(out == in);
  }
}

TEST_CASE("base64url decoding is strict") {
  std::string out;
  CHECK_FALSE(base64url_decode("Zg==", out));   // padding
  CHECK_FALSE(base64url_decode("Zm8=", out));
  CHECK_FALSE(base64url_decode("Zm9+", out));   // standard alphabet
  CHECK_FALSE(base64url_decode("Zm9/", out));
  CHECK_FALSE(base64url_decode("Zm 9", out));   // whitespace
  CHECK_FALSE(base64url_decode(std::string("Zm\0v", 4), out));
  CHECK_FALSE(base64url_decode("Z", out));      // 4n+1 characters carry no whole byte
  CHECK_FALSE(base64url_decode("Zm9vY", out));
  CHECK_FALSE(base64url_decode("Zh", out));     // non-canonical: unused bits set
  CHECK_FALSE(base64url_decode("Zm9", out));
  CHECK(base64url_decode("Zm8", out));
  CHECK(out == "fo");
  CHECK(base64url_decode("", out));
  CHECK(out.empty());
}

TEST_CASE("is_base64url_text accepts the alphabet only") {
  CHECK(is_base64url_text("AZaz09-_"));
  CHECK_FALSE(is_base64url_text("a+b"));
  CHECK_FALSE(is_base64url_text("ab="));
}
