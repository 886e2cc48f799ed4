#include "core/acl/filter_subset.h"

#include <algorithm>

#include "core/acl/levels.h"

namespace amo::acl {
namespace {

bool is_member(std::string_view thread, std::span<const std::string> threads) noexcept {
  return std::any_of(threads.begin(), threads.end(),
                     [thread](const std::string& t) { return std::string_view(t) == thread; });
}

}  // namespace

bool filter_within(std::string_view filter, std::span<const std::string_view> base) noexcept {
  Levels levels(filter);
  std::string_view level;
  for (const std::string_view want : base) {
    // Ending early, or a wildcard here, matches topics outside `base/#`.
    if (!levels.next(level) || has_wildcard(level) || level != want) return false;
  }
  return true;  // whatever follows only narrows topics that already start with `base`
}

Status user_filter_subset(std::string_view filter, std::string_view amo, std::string_view sub,
                          std::span<const std::string> threads) noexcept {
  Levels levels(filter);
  std::string_view level;

  if (!levels.next(level) || has_wildcard(level)) return Status::wide_filter;
  if (level != "amo") return Status::not_allowed;

  if (!levels.next(level)) return Status::not_allowed;
  if (has_wildcard(level)) return Status::wide_filter;
  if (level != amo) return Status::other_tenant;

  if (!levels.next(level)) return Status::not_allowed;
  if (has_wildcard(level)) return Status::wide_filter;
  if (level == "broadcast") return Status::ok;
  const bool user = level == "user";
  if (!user && level != "thread") return Status::not_allowed;

  if (!levels.next(level)) return Status::not_allowed;
  if (has_wildcard(level)) return Status::wide_filter;
  if (user) return level == sub ? Status::ok : Status::other_user;
  return is_member(level, threads) ? Status::ok : Status::not_member;
}

}  // namespace amo::acl
