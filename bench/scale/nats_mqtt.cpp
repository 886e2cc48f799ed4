#include "bench/scale/nats_mqtt.h"

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/harness/mosquitto.h"
#include "tests/harness/ports.h"

namespace amo::bench_scale {

namespace {
constexpr const char* kNatsServer = "/usr/sbin/nats-server";
}

std::string NatsMqtt::config_notes() {
  return "NATS: Debian's nats-server 2.9, `server_name`, `jetstream { max_memory_store 256MB, "
         "max_file_store 1GB }` in a temp dir (its MQTT front-end requires JetStream), `mqtt { listen "
         "127.0.0.1:PORT }`, no authorization, everything else default (Go runtime: GOMAXPROCS = all cores).";
}

NatsMqtt::NatsMqtt() {
  mqtt_port_ = harness::free_port();
  const int client_port = harness::free_port();
  const std::string store = (dir_.path() / "js").string();
  const std::string config = "server_name: bench\n"
                             "listen: 127.0.0.1:" + std::to_string(client_port) + "\n"
                             "jetstream { store_dir: \"" + store + "\", max_memory_store: 256MB, max_file_store: 1GB }\n"
                             "mqtt { listen: 127.0.0.1:" + std::to_string(mqtt_port_) + " }\n";
  const auto conf = dir_.write("nats.conf", config);
  process_ = std::make_unique<harness::Process>(std::vector<std::string>{kNatsServer, "-c", conf.string()},
                                                dir_.path() / "nats.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!harness::port_accepts(mqtt_port_)) {
    if (!process_->running()) throw std::runtime_error("nats-server exited during startup:\n" + log());
    if (std::chrono::steady_clock::now() >= deadline) throw std::runtime_error("nats-server not ready:\n" + log());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

NatsMqtt::~NatsMqtt() = default;

std::string NatsMqtt::log() const { return harness::read_file(dir_.path() / "nats.log"); }

}  // namespace amo::bench_scale
