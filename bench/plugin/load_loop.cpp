#include "bench/plugin/load_loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "bench/plugin/mqtt_wire.h"

namespace amo::bench {
namespace {

std::runtime_error sys_error(const char* what) {
  return std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

std::uint64_t key(const Conn& c) { return (static_cast<std::uint64_t>(c.gen) << 32) | c.slot; }

}  // namespace

Loop::Loop(int port) : port_(port), scratch_(1 << 16) {
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0) throw sys_error("epoll_create1");
}

Loop::~Loop() {
  close_all_abortive();
  reap();
  ::close(ep_);
}

Conn& Loop::open() {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(nullptr);
  }
  const std::uint32_t gen = slots_[slot] ? slots_[slot]->gen + 1 : 1;
  slots_[slot] = std::make_unique<Conn>();
  Conn& c = *slots_[slot];
  c.slot = slot;
  c.gen = gen;
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) throw sys_error("socket");
  const int one = 1;
  ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port_));
  if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    c.tcp_up = true;
  } else if (errno != EINPROGRESS) {
    throw sys_error("connect");
  }
  epoll_event ev{};
  ev.events = EPOLLIN | (c.tcp_up ? 0u : static_cast<unsigned>(EPOLLOUT));
  ev.data.u64 = key(c);
  c.want_out = !c.tcp_up;
  if (::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) != 0) throw sys_error("epoll_ctl add");
  ++open_;
  return c;
}

void Loop::send(Conn& c) {
  if (!c.dirty && !c.closing) {
    c.dirty = true;
    dirty_.push_back(&c);
  }
}

void Loop::close(Conn& c, bool abortive) {
  if (c.closing) return;
  c.closing = true;
  if (abortive) {
    const linger l{1, 0};
    ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  closing_.push_back(&c);
}

void Loop::close_all_abortive() {
  for (auto& s : slots_)
    if (s && s->fd >= 0) close(*s, true);
}

void Loop::reap() {
  for (Conn* c : closing_) {
    ::epoll_ctl(ep_, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    c->fd = -1;
    --open_;
    free_.push_back(c->slot);
    // The object stays (its gen tells stale events apart) until the slot is reused.
    c->out.clear();
    c->out.shrink_to_fit();
    c->pending.clear();
    c->pending.shrink_to_fit();
  }
  closing_.clear();
}

void Loop::arm(Conn& c, bool want_out) {
  if (c.want_out == want_out) return;
  c.want_out = want_out;
  epoll_event ev{};
  ev.events = EPOLLIN | (want_out ? static_cast<unsigned>(EPOLLOUT) : 0u);
  ev.data.u64 = key(c);
  ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
}

void Loop::flush(Conn& c) {
  c.dirty = false;
  if (!c.tcp_up || c.closing || c.eof) return;
  while (c.out_off < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      arm(c, true);
      return;
    } else {
      c.eof = true;
      ++eofs_;
      return;
    }
  }
  c.out.clear();
  c.out_off = 0;
  arm(c, false);
}

void Loop::on_readable(Conn& c) {
  for (;;) {
    const ssize_t n = ::read(c.fd, scratch_.data(), scratch_.size());
    if (n > 0) {
      feed(c, scratch_.data(), static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < scratch_.size()) return;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else {
      if (!c.eof) ++eofs_;
      c.eof = true;
      // Level-triggered EPOLLIN keeps firing on a closed socket: stop listening to it.
      epoll_event ev{};
      ev.data.u64 = key(c);
      ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      c.want_out = false;
      return;
    }
  }
}

void Loop::feed(Conn& c, const char* data, std::size_t n) {
  std::size_t used = 0;
  // Finish the packet carried over from the last read, without copying the rest.
  while (!c.pending.empty() && used < n) {
    const Frame f = frame(c.pending.data(), c.pending.size());
    if (f.malformed) throw std::runtime_error("malformed packet from broker");
    if (f.size == 0) {
      c.pending.push_back(data[used++]);
      continue;
    }
    const std::size_t take = std::min(f.size - c.pending.size(), n - used);
    c.pending.append(data + used, take);
    used += take;
    if (c.pending.size() == f.size) {
      dispatch(c, c.pending.data(), f.size, f.header_size);
      c.pending.clear();
    }
  }
  while (used < n) {
    const Frame f = frame(data + used, n - used);
    if (f.malformed) throw std::runtime_error("malformed packet from broker");
    if (f.size == 0 || f.size > n - used) {
      c.pending.assign(data + used, n - used);
      return;
    }
    dispatch(c, data + used, f.size, f.header_size);
    used += f.size;
  }
}

void Loop::dispatch(Conn& c, const char* packet, std::size_t size, std::size_t header_size) {
  const auto type_byte = static_cast<std::uint8_t>(packet[0]);
  const std::string_view body(packet + header_size, size - header_size);
  switch (static_cast<PacketType>(type_byte >> 4)) {
    case PacketType::connack:
      c.connack = body.size() >= 2 ? static_cast<unsigned char>(body[1]) : 255;
      if (c.connack != 0) ++refused_;
      break;
    case PacketType::suback:
      --c.subacks_pending;
      ++subacks_;
      for (std::size_t i = 2; i < body.size(); ++i) {
        if (static_cast<unsigned char>(body[i]) >= 0x80 && !c.sub_refused) {
          c.sub_refused = true;
          ++refused_;
        }
      }
      break;
    case PacketType::publish: {
      Publish p;
      if (!parse_publish(type_byte, body, p)) throw std::runtime_error("malformed PUBLISH from broker");
      ++c.received;
      ++delivered_;
      if (c.keep_first && c.first_payload.empty()) c.first_payload.assign(p.payload);
      if (p.qos == 1) {
        put_puback(c.out, p.packet_id);
        send(c);
      }
      break;
    }
    case PacketType::puback:
      --c.inflight;
      ++pubacks_;
      break;
    default:
      break;
  }
}

bool Loop::run(const std::function<bool()>& done, const std::function<void()>& top_up,
               std::chrono::steady_clock::time_point deadline) {
  epoll_event events[256];
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (top_up) top_up();
    for (std::size_t i = 0; i < dirty_.size(); ++i) flush(*dirty_[i]);
    dirty_.clear();
    reap();
    if (done()) return true;
    const int n = ::epoll_wait(ep_, events, 256, 20);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw sys_error("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      const auto slot = static_cast<std::uint32_t>(events[i].data.u64 & 0xffffffffu);
      const auto gen = static_cast<std::uint32_t>(events[i].data.u64 >> 32);
      if (slot >= slots_.size() || !slots_[slot]) continue;
      Conn& c = *slots_[slot];
      if (c.gen != gen || c.fd < 0 || c.closing) continue;
      if (!c.tcp_up && (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          errno = err;
          throw sys_error("connect to broker");
        }
        c.tcp_up = true;
        send(c);
      } else if (events[i].events & EPOLLOUT) {
        send(c);
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
    }
  }
}

bool Loop::run_for(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  run([until] { return std::chrono::steady_clock::now() >= until; }, nullptr, until + std::chrono::seconds(1));
  return true;
}

}  // namespace amo::bench
