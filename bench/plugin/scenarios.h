#pragma once
// One measurement each: a fresh set of clients from one load generator against one broker.
#include <string>

#include "bench/plugin/brokers.h"
#include "tests/harness/mosquitto.h"

namespace amo::bench {

struct Sizes {
  int fanout_subscribers = 100;
  int fanout_messages = 2000;  // each delivered to every subscriber
  int chat_users = 20;
  int chat_messages = 20000;
  int connects = 3000;
  int connect_lanes = 8;  // connect+disconnect cycles in parallel
  int idle_users = 10000;
};

// One timed phase: units per second (wall clock) and the broker's own CPU time per unit
// (from /proc/<pid>/schedstat; Mosquitto is single-threaded). The CPU figure does not
// depend on how the load generator and other processes share the two cores, so it is the
// steadier measure of what a plugin costs.
struct Measure {
  double per_second = 0;
  double broker_cpu_us = 0;
};

// Deliveries at the subscribers: 1 service publisher → `fanout_subscribers` users on
// amo/A1/broadcast/#, 256-byte notification envelopes.
Measure fanout(const Fixture& fx, Kind k, const harness::Mosquitto& broker, int qos, const Sizes& s, int run);
// Chat messages arriving at one service subscriber: `chat_users` users each posting QoS 1
// chat.message envelopes (~256 B) to their own thread's /chat.
Measure chat(const Fixture& fx, Kind k, const harness::Mosquitto& broker, const Sizes& s, int run);
// Completed connect (CONNACK) + DISCONNECT cycles, tokens signed with `alg`. token_pool 0:
// a fresh client id and token each. token_pool n: n clients that reconnect in turn, each with
// its own client id and the same token every time (a reconnect storm on a live broker); the
// warm-up connects each of them once.
Measure connects(const Fixture& fx, Kind k, const harness::Mosquitto& broker, const Sizes& s, int run,
                 token::Alg alg = token::Alg::EdDSA, int token_pool = 0);

struct Rss {
  double start_mib = 0;  // fresh broker, no clients
  double idle_mib = 0;   // with `idle_users` connected and subscribed
};
// Starts its own broker: `idle_users` users connected, each subscribed to its own
// namespace, its thread and the tenant broadcast; VmRSS after they settle.
Rss idle(const Fixture& fx, Kind k, const Sizes& s, int run);

double rss_mib(int pid);

}  // namespace amo::bench
