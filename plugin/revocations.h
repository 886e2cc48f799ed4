#pragma once
// Revocations received on $CONTROL/amo-realtime/v1/revoke (DESIGN §3): per user "tokens
// issued at or before T", and single tokens by jti until their exp.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace amo::plugin {

class Revocations {
 public:
  // Entries older than every token that could still be valid are pruned (see prune).
  void revoke_user(std::string_view user_key, std::int64_t before);
  void revoke_jti(std::string_view jti, std::int64_t exp);
  bool is_revoked(std::string_view user_key, std::string_view jti, std::int64_t iat) const;
  // A user entry can go once before + longest token lifetime + leeway has passed: every
  // token it refuses has expired by then. A jti entry can go at its exp + leeway.
  void prune(std::int64_t now, std::int64_t longest_lifetime);
  std::size_t size() const noexcept { return users_.size() + jtis_.size(); }

 private:
  std::unordered_map<std::string, std::int64_t> users_;
  std::unordered_map<std::string, std::int64_t> jtis_;
};

}  // namespace amo::plugin
