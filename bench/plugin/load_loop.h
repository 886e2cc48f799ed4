#pragma once
// The load generator: one thread, one epoll set, many non-blocking MQTT connections. It
// answers the protocol itself (CONNACK, SUBACK, PUBACK bookkeeping, PUBACK for QoS 1
// deliveries) and leaves what to send to the scenario's `top_up`, called between batches.
// Writes are gathered per connection and flushed once per batch.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace amo::bench {

struct Conn {
  int fd = -1;
  std::uint32_t slot = 0, gen = 0;
  bool tcp_up = false;     // the non-blocking connect finished
  bool eof = false;        // the broker closed (or reset) the connection
  bool closing = false;    // close() was called; freed after the batch
  bool dirty = false;      // `out` has bytes to flush
  bool want_out = false;   // EPOLLOUT is armed
  std::string out;
  std::size_t out_off = 0;
  std::string pending;     // an incomplete packet carried over to the next read
  int connack = -1;        // return code once CONNACK arrived
  int subacks_pending = 0;
  bool sub_refused = false;
  int inflight = 0;        // own QoS 1 publishes not yet PUBACKed
  std::uint16_t next_id = 1;
  std::uint64_t received = 0;
  bool keep_first = false;  // copy the first delivered payload into `first_payload`
  std::string first_payload;
  bool disconnect_sent = false;

  std::uint16_t take_id() {
    if (next_id == 0) next_id = 1;
    return next_id++;
  }
};

class Loop {
 public:
  explicit Loop(int port);
  ~Loop();  // aborts (RST) whatever is still open, so no TIME_WAIT piles up on our side
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Starts a non-blocking TCP connect to the broker; queue packets into `out` and call send().
  Conn& open();
  void send(Conn& c);
  // Graceful (FIN) or abortive (RST) close, done after the current batch.
  void close(Conn& c, bool abortive);
  void close_all_abortive();

  // Runs until done() or the deadline (false then). top_up() runs before each flush.
  bool run(const std::function<bool()>& done, const std::function<void()>& top_up,
           std::chrono::steady_clock::time_point deadline);
  bool run_for(std::chrono::milliseconds d);

  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t pubacks() const { return pubacks_; }
  std::uint64_t subacks() const { return subacks_; }
  std::uint64_t refused() const { return refused_; }  // CONNACK != 0 or a refused filter
  std::uint64_t eofs() const { return eofs_; }
  std::size_t open_count() const { return open_; }

 private:
  void on_readable(Conn& c);
  void feed(Conn& c, const char* data, std::size_t n);
  void dispatch(Conn& c, const char* packet, std::size_t size, std::size_t header_size);
  void flush(Conn& c);
  void arm(Conn& c, bool want_out);
  void reap();

  int port_;
  int ep_ = -1;
  std::vector<std::unique_ptr<Conn>> slots_;
  std::vector<std::uint32_t> free_;
  std::vector<Conn*> dirty_, closing_;
  std::vector<char> scratch_;
  std::size_t open_ = 0;
  std::uint64_t delivered_ = 0, pubacks_ = 0, subacks_ = 0, refused_ = 0, eofs_ = 0;
};

}  // namespace amo::bench
