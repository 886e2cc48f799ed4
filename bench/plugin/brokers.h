#pragma once
// The three brokers under comparison, their configs and each one's way to log a user in:
// bare Mosquitto (anonymous, no ACL), Mosquitto with its dynamic-security plugin and an ACL
// equivalent to DESIGN §3 for the topics the scenarios use, and Mosquitto with ours.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/identity.h"
#include "core/token/jwks.h"
#include "tests/harness/mosquitto.h"
#include "tests/harness/temp_dir.h"

namespace amo::bench {

enum class Kind { bare, dynsec, ours };
inline constexpr Kind kKinds[] = {Kind::bare, Kind::dynsec, Kind::ours};
std::string_view name(Kind k);

struct Creds {
  std::string client_id, username, password;  // empty username/password = anonymous
};

inline constexpr std::string_view kAmo = "A1";
// Users are u0..u{users-1}; user i reads and posts to thread T{i % kThreads}.
inline constexpr int kThreads = 100;
std::string user_name(int user);
std::string thread_of(int user);

class Fixture {
 public:
  // `users`: how many users dynsec knows (each its own client and own-namespace role).
  explicit Fixture(int users);

  std::unique_ptr<harness::Mosquitto> start(Kind k) const;
  // For ours a freshly signed connect token (sub u{user}, amo A1, threads [T..], cid).
  Creds user(Kind k, int user, const std::string& client_id) const;
  Creds service(Kind k, const std::string& client_id) const;
  // The settings that differ from a production config, for the report.
  static std::string notes();

 private:
  // A connect token for `client_id` with the given identity, signed with key_.
  Creds with_token(const std::string& client_id, const std::string& username, std::string sub, std::string amo,
               std::vector<std::string> threads, amo::Role role, std::int64_t ttl) const;
  harness::TempDir dir_{"amo-bench"};
  token::Key key_;
  std::string jwks_path_, dynsec_path_;
  int users_;
};

}  // namespace amo::bench
