#include "tests/harness/mosquitto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "tests/harness/ports.h"

namespace amo::harness {

namespace fs = std::filesystem;

namespace {

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

bool port_accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

Mosquitto::Mosquitto(Options options) : options_(std::move(options)) {
  port_ = free_port();
  if (options_.websockets) ws_port_ = free_port();

  std::string plugin;
  if (!options_.plugin_path.empty()) {
    // A private copy: readable by `mosquitto` wherever the build lives, and immune to rebuilds.
    plugin = (dir_.path() / "plugin.so").string();
    fs::copy_file(options_.plugin_path, plugin, fs::copy_options::overwrite_existing);
    fs::permissions(plugin, fs::perms(0755));
  }

  std::string config;
  if (options_.full_config) {
    config = *options_.full_config;
    replace_all(config, "{TCP_PORT}", std::to_string(port_));
    replace_all(config, "{WS_PORT}", std::to_string(ws_port_));
    replace_all(config, "{LOG_FILE}", (dir_.path() / "mosquitto.log").string());
    replace_all(config, "{PLUGIN}", plugin);
    replace_all(config, "{DIR}", dir_.path().string());
  } else {
    config = generated_config(plugin);
  }
  dir_.write("mosquitto.conf", config);
  dir_.chown_to("mosquitto");
  spawn();
}

void Mosquitto::spawn() {
  SpawnOptions spawn;
  spawn.user = "mosquitto";
  spawn.cwd = dir_.path();
#ifdef AMO_BROKER_PRELOAD
  if (!options_.plugin_path.empty()) spawn.env.emplace_back("LD_PRELOAD", AMO_BROKER_PRELOAD);
#endif
  process_ = std::make_unique<Process>(std::vector<std::string>{"/usr/sbin/mosquitto", "-c", config_path().string()},
                                       dir_.path() / "stderr.log", spawn);

  if (!options_.expect_start) return;
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (!(port_accepts(port_) && (ws_port_ == 0 || port_accepts(ws_port_)))) {
    if (!process_->running()) {
      throw std::runtime_error("mosquitto exited during startup:\n" + log());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("mosquitto not ready in time:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Mosquitto::~Mosquitto() = default;

std::string Mosquitto::generated_config(const std::string& plugin) const {
  std::string c;
  if (options_.per_listener_settings_false) c += "per_listener_settings false\n";
  c += "allow_anonymous " + std::string(options_.allow_anonymous ? "true" : "false") + "\n";
  c += "persistence false\n";
  c += "log_dest file " + (dir_.path() / "mosquitto.log").string() + "\n";
  c += "log_type all\n";
  c += "log_timestamp_format %H:%M:%S\n";
  c += "listener " + std::to_string(port_) + " 127.0.0.1\n";
  if (options_.websockets) {
    // Without socket_domain ipv4 a websockets listener binds all interfaces (FACTS.md).
    c += "listener " + std::to_string(ws_port_) + " 127.0.0.1\n";
    c += "protocol websockets\n";
    c += "socket_domain ipv4\n";
  }
  if (!plugin.empty()) {
    c += "plugin " + plugin + "\n";
    for (const auto& [k, v] : options_.plugin_opts) c += "plugin_opt_" + k + " " + v + "\n";
  }
  if (!options_.extra_config.empty()) {
    c += options_.extra_config;
    if (c.back() != '\n') c += '\n';
  }
  return c;
}

std::string Mosquitto::log() const {
  return read_file(dir_.path() / "stderr.log") + read_file(dir_.path() / "mosquitto.log");
}

bool Mosquitto::wait_log(std::string_view needle, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (log().find(needle) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Mosquitto::kill() {
  process_->signal(SIGKILL);
  process_->wait_exit(std::chrono::seconds(10));
}

void Mosquitto::restart() {
  if (process_->running()) process_->stop();
  process_.reset();
  // The old listening sockets are gone with the process; the same ports are bound again.
  spawn();
}

void Mosquitto::sighup() const {
  process_->signal(SIGHUP);
}

bool Mosquitto::running() const {
  return process_->running();
}

int Mosquitto::wait_exit(std::chrono::milliseconds timeout) {
  return process_->wait_exit(timeout);
}

}  // namespace amo::harness
