#include "tests/harness/daemon.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "tests/harness/ports.h"
#include "tests/harness/postgres.h"

namespace amo::harness {

namespace {

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

}  // namespace

Daemon::Daemon(Options options) : options_(std::move(options)) {
  http_port_ = free_port();
  std::string config = options_.config;
  replace_all(config, "{HTTP_PORT}", std::to_string(http_port_));
  replace_all(config, "{DIR}", dir_.path().string());
  if (config.find("http_listen") == std::string::npos)
    config = "http_listen = \"127.0.0.1:" + std::to_string(http_port_) + "\"\n" + config;
  dir_.write("daemon.toml", config);
  spawn();
}

Daemon::~Daemon() = default;

void Daemon::spawn() {
  std::vector<std::string> argv{options_.binary};
  argv.insert(argv.end(), options_.args.begin(), options_.args.end());
  argv.push_back("--config");
  argv.push_back(config_path().string());
  SpawnOptions spawn;
  spawn.env = options_.env;
  spawn.grace = std::chrono::milliseconds(15000);  // SIGTERM: let it finish in-flight work
  process_ = std::make_unique<Process>(argv, dir_.path() / "daemon.log", spawn);
  if (!options_.wait_ready) return;
  if (!wait_healthy(options_.start_timeout))
    throw std::runtime_error("daemon not healthy in time (" + options_.binary + "):\n" + log());
}

void Daemon::restart() {
  if (process_ && process_->running()) process_->stop();
  spawn();
}

std::string Daemon::log() const {
  return read_file(dir_.path() / "daemon.log");
}

bool Daemon::wait_log(std::string_view needle, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (log().find(needle) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool Daemon::wait_healthy(std::chrono::milliseconds timeout) const {
  return wait_status("/healthz", timeout);
}

bool Daemon::wait_ready(std::chrono::milliseconds timeout) const {
  return wait_status("/readyz", timeout);
}

bool Daemon::wait_status(std::string_view path, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (http_get(http_port_, path, std::chrono::milliseconds(1000)).status == 200) return true;
    if (!process_->running() || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Daemon::signal(int sig) const {
  process_->signal(sig);
}
bool Daemon::running() const {
  return process_->running();
}
int Daemon::wait_exit(std::chrono::milliseconds timeout) {
  return process_->wait_exit(timeout);
}

HttpAnswer http_get(int port, std::string_view path, std::chrono::milliseconds timeout) {
  return http_raw(port, "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                  timeout);
}

HttpAnswer http_raw(int port, std::string_view req, std::chrono::milliseconds timeout) {
  HttpAnswer answer;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return answer;
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return answer;
  }
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return answer;
  }
  std::string raw;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.1 200 OK" …; Connection: close, so the body is whatever follows the header.
  if (raw.size() < 12 || raw.compare(0, 5, "HTTP/") != 0) return answer;
  answer.status = std::atoi(raw.c_str() + 9);
  const auto end = raw.find("\r\n\r\n");
  if (end != std::string::npos) answer.body = raw.substr(end + 4);
  return answer;
}

void migrate_up(const Postgres& pg, const std::string& relay_binary) {
  TempDir dir("amo-migrate");
  dir.write("migrate.toml", "database_url = \"" + pg.url() + "\"\n");
  const auto out = dir.path() / "migrate.log";
  const int rc = run({relay_binary, "migrate", "up", "--config", (dir.path() / "migrate.toml").string()}, out,
                     std::chrono::seconds(60));
  if (rc != 0) throw std::runtime_error("amo-relay migrate up failed (" + std::to_string(rc) + "):\n" + read_file(out));
}

double scrape_metric(int port, std::string_view series) {
  const std::string body = http_get(port, "/metrics").body;
  std::size_t at = 0;
  while ((at = body.find(series, at)) != std::string::npos) {
    const bool line_start = at == 0 || body[at - 1] == '\n';
    const std::size_t after = at + series.size();
    if (line_start && after < body.size() && body[after] == ' ') return std::stod(body.substr(after + 1));
    at = after;
  }
  return -1;
}

}  // namespace amo::harness
