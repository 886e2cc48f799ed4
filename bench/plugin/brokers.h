#pragma once
// The brokers under comparison, their configs and each one's way to log a user in: bare
// Mosquitto (anonymous, no ACL), Mosquitto with its dynamic-security plugin and an ACL
// equivalent to DESIGN §3 for the topics the scenarios use, Mosquitto with ours, and for the
// connect limit (DESIGN §3) Mosquitto with bench_verify_only (one signature verify per
// connect), with or without its cache of verified tokens.
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

enum class Kind { bare, dynsec, ours, verify, verify_cached };
// The three of the main comparison.
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

  // `alg`: the key that ours and bench_verify_only load (one key, its JWKS alone).
  std::unique_ptr<harness::Mosquitto> start(Kind k, token::Alg alg = token::Alg::EdDSA) const;
  // For ours a freshly signed connect token (sub u{user}, amo A1, threads [T..], cid).
  Creds user(Kind k, int user, const std::string& client_id, token::Alg alg = token::Alg::EdDSA) const;
  Creds service(Kind k, const std::string& client_id) const;
  // The settings that differ from a production config, for the report.
  static std::string notes();
  // A connect token for `client_id` with the given identity, signed with key_ (bench_shards
  // uses it for tenants other than A1).
  Creds with_token(const std::string& client_id, const std::string& username, std::string sub, std::string amo,
               std::vector<std::string> threads, amo::Role role, std::int64_t ttl,
               token::Alg alg = token::Alg::EdDSA) const;

 private:
  struct Signer {
    token::Key key;
    std::string jwks_path;
  };
  const Signer& signer(token::Alg alg) const { return signers_[static_cast<std::size_t>(alg)]; }
  harness::TempDir dir_{"amo-bench"};
  std::vector<Signer> signers_;  // indexed by token::Alg
  std::string dynsec_path_;
  int users_;
};

}  // namespace amo::bench
