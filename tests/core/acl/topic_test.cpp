#include "core/acl/topic.h"

#include <doctest/doctest.h>

#include <string>

namespace amo::acl {
namespace {

using namespace std::string_view_literals;

Status topic(std::string_view t) { return check_topic_grammar(t, false); }
Status filter(std::string_view t) { return check_topic_grammar(t, true); }

TEST_CASE("UTF-8: valid sequences pass at every offset of the ASCII fast path") {
  for (const std::string_view ch : {"\xC2\x80"sv, "\xDF\xBF"sv, "\xE0\xA0\x80"sv, "\xED\x9F\xBF"sv,
                                    "\xEE\x80\x80"sv, "\xEF\xBF\xBF"sv, "\xF0\x90\x80\x80"sv,
                                    "\xF0\x9F\x98\x80"sv, "\xF4\x8F\xBF\xBF"sv}) {
    for (std::size_t pad = 0; pad < 17; ++pad) {
      std::string t = "a/" + std::string(pad, 'b');
      t += ch;
      CHECK(topic(t) == Status::ok);
      t += "/c";
      CHECK(topic(t) == Status::ok);
    }
  }
}

TEST_CASE("UTF-8: overlongs, surrogates, out of range and truncation are bad_utf8") {
  for (const std::string_view bad :
       {"\xC0\xAF"sv, "\xC1\xBF"sv, "\xE0\x80\xAF"sv, "\xE0\x9F\xBF"sv, "\xF0\x80\x80\xAF"sv,
        "\xF0\x8F\xBF\xBF"sv, "\xED\xA0\x80"sv, "\xED\xBF\xBF"sv, "\xF4\x90\x80\x80"sv,
        "\xF5\x80\x80\x80"sv, "\xFF"sv, "\xFE"sv, "\x80"sv, "\xBF"sv, "\xC3"sv, "\xE2\x82"sv,
        "\xF0\x9F\x98"sv, "\xE2\x82\x41"sv, "\xC3\x41"sv, "\xF0\x9F\x41\x80"sv}) {
    for (std::size_t pad = 0; pad < 17; ++pad) {
      std::string t = "a/" + std::string(pad, 'b');
      t += bad;
      CHECK(topic(t) == Status::bad_utf8);
      CHECK(filter(t + "/c") == Status::bad_utf8);
    }
  }
}

TEST_CASE("NUL anywhere is nul, and wins over bad UTF-8") {
  CHECK(topic("\0"sv) == Status::nul);
  CHECK(topic("a\0/b"sv) == Status::nul);
  CHECK(topic("a/b\0"sv) == Status::nul);
  CHECK(filter("a/\xC0\xAF/\0"sv) == Status::nul);
}

TEST_CASE("length: 256 bytes pass, 257 do not, a $share prefix counted") {
  const std::string t256 = "amo/" + std::string(252, 'x');
  CHECK(t256.size() == 256);
  CHECK(topic(t256) == Status::ok);
  CHECK(topic(t256 + "x") == Status::too_long);
  const std::string share = "$share/g/amo/" + std::string(243, 'x');
  CHECK(share.size() == 256);
  CHECK(filter(share) == Status::ok);
  CHECK(filter(share + "x") == Status::too_long);
  CHECK(topic("") == Status::empty);
  CHECK(filter("") == Status::empty);
  // Length counts bytes, not characters.
  std::string wide = "amo/";
  while (wide.size() + 2 <= 256) wide += "\xC3\xA9";
  CHECK(topic(wide) == Status::ok);
  CHECK(topic(wide + "\xC3\xA9") == Status::too_long);
}

TEST_CASE("depth: 12 levels pass, 13 do not, a $share prefix and # counted") {
  CHECK(topic("1/2/3/4/5/6/7/8/9/10/11/12") == Status::ok);
  CHECK(topic("1/2/3/4/5/6/7/8/9/10/11/12/13") == Status::too_deep);
  CHECK(filter("1/2/3/4/5/6/7/8/9/10/11/#") == Status::ok);
  CHECK(filter("1/2/3/4/5/6/7/8/9/10/11/12/#") == Status::too_deep);
  CHECK(filter("$share/g/3/4/5/6/7/8/9/10/11/12") == Status::ok);
  CHECK(filter("$share/g/3/4/5/6/7/8/9/10/11/12/13") == Status::too_deep);
}

TEST_CASE("empty levels anywhere") {
  for (const char* t : {"/", "/a", "a/", "a//b", "//", "a/b/"}) {
    CHECK(topic(t) == Status::empty_level);
    CHECK(filter(t) == Status::empty_level);
  }
}

TEST_CASE("wildcards: whole levels in filters, # last, none in topics") {
  for (const char* ok : {"#", "+", "a/#", "a/+", "+/+", "+/#", "a/+/b/#", "$share/g/+/#"}) {
    CHECK(filter(ok) == Status::ok);
    CHECK(topic(ok) == Status::bad_wildcard);
  }
  for (const char* bad : {"a+b", "a/b+", "+a", "a#", "#a", "#/a", "a/#/b", "++", "##", "+#", "a/#+"}) {
    CHECK(filter(bad) == Status::bad_wildcard);
    CHECK(topic(bad) == Status::bad_wildcard);
  }
  CHECK(topic("a/b/c") == Status::ok);
  CHECK(topic("$SYS/broker/x") == Status::ok);  // grammar alone allows $ topics
}

TEST_CASE("level scan finds `/`, `+`, `#` at every offset of its 8-byte skip") {
  for (std::size_t at = 0; at < 24; ++at) {
    const std::string pre = "a/x" + std::string(at, 'b');
    CHECK(topic(pre + "/c" + std::string(9, 'd')) == Status::ok);
    CHECK(topic(pre + "//c" + std::string(9, 'd')) == Status::empty_level);
    CHECK(filter(pre + "+c" + std::string(9, 'd')) == Status::bad_wildcard);
    CHECK(topic(pre + "#" + std::string(9, 'd')) == Status::bad_wildcard);
    CHECK(filter(pre + "/+/" + std::string(9, 'd')) == Status::ok);
    CHECK(filter(pre + "/#") == Status::ok);
    CHECK(filter(pre + "/#/" + std::string(9, 'd')) == Status::bad_wildcard);
  }
}

TEST_CASE("parse_topic: our own topics") {
  TopicRef r;
  REQUIRE(parse_topic("amo/A/thread/T1/chat", r));
  CHECK(r.amo == "A");
  CHECK(r.ns == TopicRef::Ns::thread);
  CHECK(r.owner == "T1");
  CHECK(r.rest == "thread/T1/chat");
  CHECK(r.tail == "chat");

  REQUIRE(parse_topic("amo/A/user/U/cmd/replay", r));
  CHECK(r.ns == TopicRef::Ns::user);
  CHECK(r.owner == "U");
  CHECK(r.tail == "cmd/replay");

  REQUIRE(parse_topic("amo/A/user/U", r));
  CHECK(r.ns == TopicRef::Ns::user);
  CHECK(r.tail.empty());

  REQUIRE(parse_topic("amo/A/broadcast/news/x", r));
  CHECK(r.ns == TopicRef::Ns::broadcast);
  CHECK(r.owner.empty());
  CHECK(r.tail == "news/x");

  REQUIRE(parse_topic("amo/A/broadcast", r));
  CHECK(r.ns == TopicRef::Ns::broadcast);
  CHECK(r.tail.empty());

  REQUIRE(parse_topic("amo/A/thread", r));
  CHECK(r.ns == TopicRef::Ns::other);
  CHECK(r.rest == "thread");

  REQUIRE(parse_topic("amo/A/other/x", r));
  CHECK(r.ns == TopicRef::Ns::other);
  CHECK(r.owner.empty());

  REQUIRE(parse_topic("amo/A", r));
  CHECK(r.amo == "A");
  CHECK(r.ns == TopicRef::Ns::other);
  CHECK(r.rest.empty());

  CHECK_FALSE(parse_topic("amo", r));
  CHECK_FALSE(parse_topic("amo/", r));
  CHECK_FALSE(parse_topic("amo//user/U", r));
  CHECK_FALSE(parse_topic("am/A/user/U", r));
  CHECK_FALSE(parse_topic("amox/A/user/U", r));
  CHECK_FALSE(parse_topic("$SYS/broker", r));
  CHECK_FALSE(parse_topic("", r));
}

}  // namespace
}  // namespace amo::acl
