#pragma once
// Live tests of history replay (DESIGN §6): the drain tests' stack (Postgres, Mosquitto with
// the plugin, amo-relay) plus user tokens and events on chosen topics.
#include <cstdint>
#include <string>
#include <vector>

#include "tests/harness/daemon.h"
#include "tests/harness/http_client.h"
#include "tests/harness/keys.h"
#include "tests/relay/drain/drain_fixture.h"

namespace amo::events_test {

using namespace std::chrono_literals;

// A user connect token (cid c-<sub>-<n>); exp_in seconds from now.
std::string user_token(const drain_test::Stack& stack, const std::string& amo, const std::string& sub,
                       std::vector<std::string> threads = {}, int exp_in = 120);
// Inserts n events through realtime_emit on amo/<amo>/<suffix> (notification on user/ and
// broadcast/, entity.changed on thread/), one transaction; payload title or entity_id = tag.
void emit_to(const drain_test::Stack& stack, const std::string& amo, const std::string& suffix, int n,
             const std::string& tag = "e");
// Waits until every outbox row has a seq (the relay claimed them all).
void wait_claimed(const drain_test::Stack& stack);
// The tenant's latest seq.
long latest(const drain_test::Stack& stack, const std::string& amo);
harness::HttpHeaders bearer(const std::string& token);
// An HS256 portal session (DESIGN §7): {"sub","amo_id","iat","exp"} signed with `secret`.
std::string portal_session(const std::string& secret, const std::string& amo, const std::string& sub, std::int64_t iat,
                           std::int64_t exp);

}  // namespace amo::events_test
