#pragma once
// What the revocation poll publishes (DESIGN §7): pure. From successive snapshots of the users
// that are inactive or have a token_revoked_at, the revocations to send on
// $CONTROL/amo-realtime/v1/revoke — when token_revoked_at moves (`before` = its ceil) or
// is_active turns false (`before` = now). Publishing one again is harmless (it kicks only
// sessions on tokens issued at or before `before`, which should not exist), so the first
// snapshot, which has nothing to compare with, sends what may have changed while no token
// service was running, and a broker reconnect (whose restart forgot every revocation) sends
// everything still current again.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "token-service/service_metrics.h"
#include "token-service/users.h"

namespace amo::token_service {

struct Revocation {
  std::string user;  // "<amo>:<sub>", the plugin's username for the user's sessions
  std::int64_t before = 0;
  RevokeCause cause = RevokeCause::revoked;

  bool operator==(const Revocation&) const = default;
};

// {"user":"<amo>:<sub>","before":<unix s>}
std::string revoke_payload(const Revocation& r);

class RevocationState {
 public:
  // A token_revoked_at older than this is not sent again by the first snapshot or a
  // republish: no session on a token issued before it can still be open (the plugin's
  // max_session defaults to 12 h).
  static constexpr std::int64_t kRepublishHorizonSeconds = 2 * 86400;

  // Rows with ids outside the §2 grammar are skipped (no token names them).
  std::vector<Revocation> update(const std::vector<UserRow>& rows, std::int64_t now);
  // Everything still current, as `republished`: inactive users (before = now) and
  // token_revoked_at within the horizon.
  std::vector<Revocation> current(std::int64_t now) const;
  std::size_t size() const noexcept { return users_.size(); }

 private:
  struct Entry {
    bool active = true;
    std::optional<std::int64_t> revoked_before;
  };
  std::unordered_map<std::string, Entry> users_;
  bool baseline_ = false;
};

}  // namespace amo::token_service
