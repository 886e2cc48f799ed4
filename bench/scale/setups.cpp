#include "bench/scale/setups.h"

namespace amo::bench_scale {

std::string_view name(Setup s) {
  switch (s) {
    case Setup::one_broker: return "one broker";
    case Setup::two_shards: return "two shards";
    case Setup::nats: return "NATS MQTT";
    case Setup::bare: return "bare Mosquitto";
  }
  return "?";
}

std::string_view describe(Setup s) {
  switch (s) {
    case Setup::one_broker: return "one Mosquitto 2.0.11 + our plugin, all tenants on it (baseline)";
    case Setup::two_shards: return "two Mosquitto 2.0.11 + our plugin, tenants split half/half";
    case Setup::nats: return "one nats-server 2.9 with its MQTT front-end (JetStream on, QoS 0)";
    case Setup::bare: return "one Mosquitto 2.0.11, no plugin, anonymous (reference)";
  }
  return "?";
}

Brokers::Brokers(Setup s, const bench::Fixture& fx) {
  switch (s) {
    case Setup::one_broker:
      mosquittos_.push_back(fx.start(bench::Kind::ours));
      break;
    case Setup::two_shards:
      mosquittos_.push_back(fx.start(bench::Kind::ours));
      mosquittos_.push_back(fx.start(bench::Kind::ours));
      break;
    case Setup::bare:
      mosquittos_.push_back(fx.start(bench::Kind::bare));
      break;
    case Setup::nats:
      nats_ = std::make_unique<NatsMqtt>();
      ports_.push_back(nats_->mqtt_port());
      pids_.push_back(nats_->pid());
      break;
  }
  for (const auto& m : mosquittos_) {
    ports_.push_back(m->port());
    pids_.push_back(m->pid());
  }
}

std::string Brokers::logs() const {
  std::string out;
  for (const auto& m : mosquittos_) out += "--- mosquitto :" + std::to_string(m->port()) + "\n" + m->log();
  if (nats_) {
    const std::string l = nats_->log();
    out += "--- nats-server\n" + (l.size() > 3000 ? l.substr(l.size() - 3000) : l);
  }
  return out;
}

}  // namespace amo::bench_scale
