#pragma once
// The configurations compared: where each tenant's clients connect. Every measurement starts
// its own fresh broker processes and drops them afterwards.
#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/plugin/brokers.h"
#include "bench/scale/nats_mqtt.h"
#include "tests/harness/mosquitto.h"

namespace amo::bench_scale {

enum class Setup { one_broker, two_shards, nats, bare };
inline constexpr Setup kSetups[] = {Setup::one_broker, Setup::two_shards, Setup::nats, Setup::bare};
std::string_view name(Setup s);
std::string_view describe(Setup s);

// The running brokers of one measurement.
class Brokers {
 public:
  Brokers(Setup s, const bench::Fixture& fx);
  // The MQTT port of the broker that holds the tenants of generator half `half` (0 or 1):
  // with two shards half 0's tenants live on the first broker, half 1's on the second.
  int port_for_half(int half) const { return ports_[static_cast<std::size_t>(half) % ports_.size()]; }
  const std::vector<pid_t>& pids() const { return pids_; }
  // Logs of every broker, for error messages.
  std::string logs() const;

 private:
  std::vector<std::unique_ptr<harness::Mosquitto>> mosquittos_;
  std::unique_ptr<NatsMqtt> nats_;
  std::vector<int> ports_;
  std::vector<pid_t> pids_;
};

}  // namespace amo::bench_scale
