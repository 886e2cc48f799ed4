#include <doctest/doctest.h>

#include <string>

#include "core/ids.h"

TEST_CASE("id grammar of DESIGN §2") {
  CHECK(amo::is_valid_id("AMO_1-x"));
  CHECK(amo::is_valid_id(std::string(64, 'a')));
  CHECK_FALSE(amo::is_valid_id(std::string(65, 'a')));
  CHECK_FALSE(amo::is_valid_id(""));
  for (std::string bad : {"a/b", "a+b", "a#b", "$a", "a b", "a.b", "a:b", "é"}) CHECK_FALSE(amo::is_valid_id(bad));
  CHECK_FALSE(amo::is_valid_id(std::string("a\0b", 3)));
}

TEST_CASE("cid and client_msg_id grammar") {
  CHECK(amo::is_valid_cid("web:u1.tab-2_x"));
  CHECK(amo::is_valid_cid(std::string(128, 'c')));
  CHECK_FALSE(amo::is_valid_cid(std::string(129, 'c')));
  CHECK_FALSE(amo::is_valid_cid("a/b"));
  CHECK_FALSE(amo::is_valid_cid("a#"));
  CHECK(amo::is_valid_client_msg_id("12345678"));
  CHECK_FALSE(amo::is_valid_client_msg_id("1234567"));
  CHECK(amo::is_valid_client_msg_id("6f1c2a9e-3b1d-4c55-9b7e-0a1b2c3d4e5f"));
  CHECK_FALSE(amo::is_valid_client_msg_id("6f1c2a9e.3b1d"));
}

TEST_CASE("jti grammar: base64url, 22 to 128 characters (token verifier and revoke command alike)") {
  CHECK(amo::is_valid_jti(std::string(22, 'A')));
  CHECK_FALSE(amo::is_valid_jti(std::string(21, 'A')));
  CHECK(amo::is_valid_jti(std::string(128, 'z')));
  CHECK_FALSE(amo::is_valid_jti(std::string(129, 'z')));
  CHECK(amo::is_valid_jti("AZaz09-_AZaz09-_AZaz09"));
  for (char bad : {'=', '+', '/', '.', ' ', ':'}) CHECK_FALSE(amo::is_valid_jti(std::string(21, 'a') + bad));
}
