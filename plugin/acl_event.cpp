#include "plugin/auth_plugin.h"

namespace amo::plugin {

// Hot path (READ runs on every delivery): one hash lookup, then the allocation-free core check.
bool AuthPlugin::on_acl(const void* client, acl::Access access, std::string_view topic, int qos, bool retain) {
  const Session* s = sessions_.find(client);
  // An offline session writes only its Will, which 2.0.11 sends with this check alone (no
  // MESSAGE event): never validated or stamped, so never allowed.
  if (!s || s->closing || (access == acl::Access::write && !s->online)) {
    stats_.denied(acl::Status::not_allowed);
    return false;
  }
  const auto [amo_id, sub] = s->amo_sub();
  const acl::Subject subject{amo_id, sub, s->threads, s->role};
  const acl::Status st = acl::check(subject, access, topic, qos, retain);
  if (st == acl::Status::ok) return true;
  stats_.denied(st);
  if (access != acl::Access::read) audit(LogLevel::debug, "acl_denied", s, acl::name(st));
  return false;
}

}  // namespace amo::plugin
