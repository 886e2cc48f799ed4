#pragma once
// A throwaway nats-server (Debian's 2.9) with its MQTT front-end on a free 127.0.0.1 port.
// NATS's MQTT support needs JetStream (it keeps MQTT sessions and retained messages in
// streams), so JetStream is on, in memory-limited form, in the server's own temp dir. No
// authorization is configured: the server accepts the token-bearing CONNECT and ignores it.
#include <sys/types.h>

#include <memory>
#include <string>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace amo::bench_scale {

class NatsMqtt {
 public:
  NatsMqtt();
  ~NatsMqtt();
  NatsMqtt(const NatsMqtt&) = delete;
  NatsMqtt& operator=(const NatsMqtt&) = delete;

  int mqtt_port() const { return mqtt_port_; }
  pid_t pid() const { return process_->pid(); }
  std::string log() const;
  static std::string config_notes();

 private:
  harness::TempDir dir_{"amo-nats"};
  int mqtt_port_ = 0;
  std::unique_ptr<harness::Process> process_;
};

}  // namespace amo::bench_scale
