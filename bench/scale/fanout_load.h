#pragma once
// The multi-tenant QoS 0 fan-out load, the same for every configuration: per tenant a
// `service` publisher and users subscribed to their thread (`amo/<amo>/thread/<t>/#`, a
// token listing that thread). The generator is two threads, one per half of the tenants, each
// its own epoll loop (bench/plugin/load_loop.h) against the broker that holds its half — the
// same broker for both halves unless the tenants are sharded. Each half keeps a fixed window
// of deliveries outstanding (published × subscribers of the topic − delivered), so the
// brokers deliver as fast as they can without queues growing.
#include <chrono>
#include <cstdint>
#include <vector>

#include "bench/plugin/brokers.h"
#include "bench/scale/proc_counters.h"
#include "bench/scale/setups.h"

namespace amo::bench_scale {

struct Load {
  int tenants = 4;                 // split half/half between the two generator threads
  int threads_per_tenant = 4;      // thread ids T0..T{n-1}
  int subscribers_per_thread = 25; // users per thread, so each publish is delivered 25 times
  int window = 10000;              // outstanding deliveries per generator half
  std::chrono::milliseconds warmup{1000}, measure{5000};
  // > 0: each generator thread sleeps this long per loop turn, so deliveries pile up in the
  // socket buffers and the broker's writes rarely wake a waiting reader (a control run).
  std::chrono::microseconds pace{0};
};

struct Result {
  double per_second = 0;            // deliveries per second at the subscribers (both halves)
  std::uint64_t deliveries = 0;     // in the measured window
  double seconds = 0;
  std::vector<double> broker_cpu_s; // per broker process (all its threads), in the window
  double generator_cpu_s = 0;       // this process (the two generator threads) in the window
  double machine_busy_pct = 0;      // all cores, % of one core (2 cores = 200)
  std::uint64_t lost = 0;           // published × fan-out − delivered after a 2 s drain (QoS 0 may drop)
  ProcCounters brokers, generator;  // in the window; brokers summed

  double broker_cpu_total() const;
  double broker_us_per_delivery() const { return deliveries ? broker_cpu_total() * 1e6 / deliveries : 0; }
  double generator_us_per_delivery() const { return deliveries ? generator_cpu_s * 1e6 / deliveries : 0; }
};

// One measurement against running `brokers`: connect and subscribe everyone, warm up, measure.
// Throws if a client is refused or disconnected, or a subscriber received nothing.
Result run_fanout(const bench::Fixture& fx, const Brokers& brokers, const Load& load, int run);

}  // namespace amo::bench_scale
