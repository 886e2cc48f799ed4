#include "bench/events/sse_load.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace amo::bench_events {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct SseLoad::Conn {
  int fd = -1;
  int index = 0;
  enum class State { connecting, head, body, done } state = State::connecting;
  std::string out;   // request bytes not yet written
  std::string raw;   // bytes read, not yet de-chunked
  std::string text;  // de-chunked SSE text not yet split into frames
  bool chunked = false;
  std::size_t chunk_left = 0;  // bytes of the current chunk still to come
  std::size_t crlf_left = 0;   // CRLF after a chunk still to skip
};

SseLoad::SseLoad(int port, std::vector<std::string> tokens, std::string path)
    : port_(port), path_(std::move(path)), tokens_(std::move(tokens)) {
  ep_ = epoll_create1(0);
}

SseLoad::~SseLoad() {
  for (Conn* c : conns_) {
    if (c->fd >= 0) ::close(c->fd);
    delete c;
  }
  if (ep_ >= 0) ::close(ep_);
}

namespace {

int start_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

void SseLoad::open_all(double timeout_s) {
  constexpr int kInFlight = 64;  // connects + heads outstanding at once (the relay's accept backlog)
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  std::size_t next = 0;
  int pending = 0;
  epoll_event evs[256];
  while ((next < tokens_.size() || pending > 0) && std::chrono::steady_clock::now() < deadline) {
    while (next < tokens_.size() && pending < kInFlight) {
      auto* c = new Conn;
      c->index = static_cast<int>(next);
      c->out = "GET " + path_ + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer " +
               tokens_[next] + "\r\n\r\n";
      ++next;
      c->fd = start_connect(port_);
      conns_.push_back(c);
      if (c->fd < 0) {
        ++result_.refused;
        c->state = Conn::State::done;
        continue;
      }
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
      ev.data.ptr = c;
      epoll_ctl(ep_, EPOLL_CTL_ADD, c->fd, &ev);
      ++pending;
    }
    const int n = epoll_wait(ep_, evs, 256, 100);
    for (int i = 0; i < n; ++i) {
      auto& c = *static_cast<Conn*>(evs[i].data.ptr);
      const auto before = c.state;
      if (c.state == Conn::State::connecting && (evs[i].events & EPOLLOUT)) {
        const auto w = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (w > 0) c.out.erase(0, static_cast<std::size_t>(w));
        if (w < 0 && errno != EAGAIN) {
          c.state = Conn::State::done;
          ++result_.refused;
        } else if (c.out.empty()) {
          c.state = Conn::State::head;
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLRDHUP;
          ev.data.ptr = &c;
          epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
        }
      }
      if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(c);
      const bool was_pending = before == Conn::State::connecting || before == Conn::State::head;
      const bool now_pending = c.state == Conn::State::connecting || c.state == Conn::State::head;
      if (was_pending && !now_pending) --pending;
    }
  }
}

void SseLoad::run(std::int64_t until_us, std::int64_t from_us, std::int64_t to_us) {
  from_us_ = from_us;
  to_us_ = to_us;
  epoll_event evs[512];
  while (now_us() < until_us) {
    const int n = epoll_wait(ep_, evs, 512, 50);
    for (int i = 0; i < n; ++i) on_readable(*static_cast<Conn*>(evs[i].data.ptr));
  }
}

void SseLoad::on_readable(Conn& c) {
  if (c.fd < 0) return;
  char buf[65536];
  for (;;) {
    const auto r = ::recv(c.fd, buf, sizeof buf, 0);
    if (r > 0) {
      c.raw.append(buf, static_cast<std::size_t>(r));
      continue;
    }
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    // EOF or error
    if (c.state == Conn::State::body)
      ++result_.closed_early;
    else if (c.state != Conn::State::done)
      ++result_.refused;
    close_conn(c);
    return;
  }
  parse(c);
}

void SseLoad::close_conn(Conn& c) {
  c.state = Conn::State::done;
  epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  c.fd = -1;
}

void SseLoad::parse(Conn& c) {
  if (c.state == Conn::State::head) {
    const auto end = c.raw.find("\r\n\r\n");
    if (end == std::string::npos) return;
    const std::string head = c.raw.substr(0, end);
    c.raw.erase(0, end + 4);
    if (!head.starts_with("HTTP/1.1 200")) {
      ++result_.refused;
      close_conn(c);
      return;
    }
    std::string lower = head;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    c.chunked = lower.find("transfer-encoding: chunked") != std::string::npos;
    c.state = Conn::State::body;
    ++result_.opened;
  }
  if (c.state != Conn::State::body) return;
  // De-chunk.
  if (!c.chunked) {
    c.text += c.raw;
    c.raw.clear();
  } else {
    std::size_t at = 0;
    for (;;) {
      if (c.crlf_left > 0) {
        const auto k = std::min(c.crlf_left, c.raw.size() - at);
        at += k;
        c.crlf_left -= k;
        if (c.crlf_left > 0) break;
      }
      if (c.chunk_left > 0) {
        const auto k = std::min(c.chunk_left, c.raw.size() - at);
        c.text.append(c.raw, at, k);
        at += k;
        c.chunk_left -= k;
        if (c.chunk_left > 0) break;
        c.crlf_left = 2;
        continue;
      }
      const auto nl = c.raw.find("\r\n", at);
      if (nl == std::string::npos) break;
      const auto size = std::strtoull(c.raw.c_str() + at, nullptr, 16);
      at = nl + 2;
      if (size == 0) break;  // last chunk: the stream ends (EOF follows)
      c.chunk_left = size;
    }
    c.raw.erase(0, at);
  }
  // Frames.
  const std::int64_t now = now_us();
  std::size_t at = 0;
  for (;;) {
    const auto end = c.text.find("\n\n", at);
    if (end == std::string::npos) break;
    const std::string_view frame(c.text.data() + at, end - at);
    at = end + 2;
    if (frame.find("event: ") == std::string_view::npos) continue;  // retry, heartbeat
    const auto t = frame.find("\"title\": \"");
    std::int64_t committed = 0;
    if (t != std::string_view::npos)
      committed = std::strtoll(frame.data() + t + 10, nullptr, 10);
    else if (const auto t2 = frame.find("\"title\":\""); t2 != std::string_view::npos)
      committed = std::strtoll(frame.data() + t2 + 9, nullptr, 10);
    if (committed >= from_us_ && committed < to_us_) {
      ++result_.frames;
      result_.latency_ms.push_back(static_cast<double>(now - committed) / 1000.0);
      result_.stream.push_back(c.index);
      result_.committed_us.push_back(committed);
    }
  }
  c.text.erase(0, at);
}

}  // namespace amo::bench_events
