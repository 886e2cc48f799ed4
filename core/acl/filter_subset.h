#pragma once
// The subscription-subset check (DESIGN §3; Mosquitto's sub_matches_sub.c): is every topic
// a filter can match inside a namespace? Never "partly": one wildcard where the namespace
// needs an exact level and the whole filter is out. Filters must have passed
// check_topic_grammar(filter, true) first.
#include <span>
#include <string>
#include <string_view>

#include "core/acl/status.h"

namespace amo::acl {

// True iff every topic `filter` matches lies in `base/#`, where `base` is exact levels.
// As in MQTT, `X/#` includes `X`: so `base` itself and `base/#` are within.
bool filter_within(std::string_view filter, std::span<const std::string_view> base) noexcept;

// A user's subscribe rule: within `amo/{amo}/user/{sub}/#`, `amo/{amo}/thread/{t}/#` for t in
// `threads`, or `amo/{amo}/broadcast/#`. Levels are compared exactly, so an `amo`, `sub` or
// thread id that is empty or holds `/`, `+`, `#` never matches. Returns ok or why not:
// wide_filter (a wildcard where an exact level is needed), other_tenant, other_user,
// not_member, not_allowed (anything else, e.g. `amo/{amo}/thread` or `foo/#`).
Status user_filter_subset(std::string_view filter, std::string_view amo, std::string_view sub,
                          std::span<const std::string> threads) noexcept;

}  // namespace amo::acl
