#include "core/acl/allowed_topics.h"

namespace amo::acl {

namespace {

std::string tenant_topic(std::string_view amo, std::string_view ns, std::string_view owner, std::string_view tail) {
  std::string t;
  t.reserve(4 + amo.size() + 1 + ns.size() + 1 + owner.size() + 1 + tail.size());
  t.append("amo/").append(amo).append("/").append(ns);
  if (!owner.empty()) t.append("/").append(owner);
  t.append("/").append(tail);
  return t;
}

}  // namespace

AllowedTopics allowed_topics(std::string_view amo, std::string_view sub, std::span<const std::string> threads) {
  AllowedTopics out;
  out.subscribe.reserve(threads.size() + 2);
  out.publish.reserve(3 * threads.size() + 1);
  out.subscribe.push_back(tenant_topic(amo, "user", sub, "#"));
  for (const std::string& t : threads) out.subscribe.push_back(tenant_topic(amo, "thread", t, "#"));
  out.subscribe.push_back(tenant_topic(amo, "broadcast", "", "#"));
  for (const std::string& t : threads) {
    for (std::string_view tail : {"chat", "typing", "read"})
      out.publish.push_back(tenant_topic(amo, "thread", t, tail));
  }
  out.publish.push_back(tenant_topic(amo, "user", sub, "cmd/replay"));
  return out;
}

}  // namespace amo::acl
