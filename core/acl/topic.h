#pragma once
// Topic and filter grammar (DESIGN §3) and a parsed view of our own `amo/...` topics.
// Shared by the ACL check and the plugin's MESSAGE handler; nothing here allocates.
#include <cstddef>
#include <string_view>

#include "core/acl/status.h"

namespace amo::acl {

inline constexpr std::size_t max_topic_bytes = 256;
inline constexpr std::size_t max_topic_levels = 12;

// Grammar of a whole topic or filter (a `$share/<group>/` prefix included). Checked in this
// order, first failure wins: empty, too_long (> 256 bytes), nul, bad_utf8 (RFC 3629: no
// overlongs, surrogates, truncated sequences or code points above U+10FFFF), then the levels
// left to right: empty_level, bad_wildcard (for a filter: `+` or `#` not a whole level, `#`
// not last; for a topic: any `+` or `#`), too_deep (> 12 levels).
Status check_topic_grammar(std::string_view topic, bool is_filter) noexcept;

// Views into a concrete topic `amo/{amo}/...`; valid as long as the topic's bytes are.
struct TopicRef {
  std::string_view amo;
  enum class Ns : unsigned char { user, thread, broadcast, other } ns = Ns::other;
  std::string_view owner;  // user id (ns user) or thread id (ns thread); empty otherwise
  std::string_view rest;   // after `amo/{amo}/`, e.g. "thread/T1/chat"
  std::string_view tail;   // after the owner (after `broadcast` for ns broadcast), e.g. "chat", "cmd/replay"; "" if none
};

// Splits a concrete topic that starts with `amo/` and has a non-empty tenant level; false
// otherwise. `user` or `thread` without an owner level is Ns::other. Does not check grammar:
// run check_topic_grammar first.
bool parse_topic(std::string_view topic, TopicRef& out) noexcept;

}  // namespace amo::acl
