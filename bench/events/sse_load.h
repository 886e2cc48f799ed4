#pragma once
// N SSE streams on one GET endpoint (the relay's /api/events, or the FastAPI peer's) driven by
// one thread with epoll and non-blocking sockets: connects (a bounded number in flight), reads
// heads, de-chunks, splits frames and, for each event frame, takes the commit time (epoch µs)
// the emitter put in payload.title.
#include <cstdint>
#include <string>
#include <vector>

namespace amo::bench_events {

struct SseLoadResult {
  int opened = 0;                          // 200 heads
  int refused = 0;                         // other status or connect failure
  int closed_early = 0;                    // streams the relay ended during the run
  std::int64_t frames = 0;                 // event frames counted (commit time inside the window)
  std::vector<double> latency_ms;          // commit → frame parsed, per frame in the window
  std::vector<int> stream;                 // the stream index of each latency_ms entry
  std::vector<std::int64_t> committed_us;  // and its commit time
};

class SseLoad {
 public:
  // tokens[i] opens stream i (Bearer) on 127.0.0.1:port, GET `path`.
  SseLoad(int port, std::vector<std::string> tokens, std::string path = "/api/events");
  ~SseLoad();
  SseLoad(const SseLoad&) = delete;
  SseLoad& operator=(const SseLoad&) = delete;
  // Opens every stream; returns after all heads arrived or failed (or timeout_s).
  void open_all(double timeout_s);
  // Reads until `until_us` (epoch µs); frames whose commit time is in [from_us, to_us) count.
  void run(std::int64_t until_us, std::int64_t from_us, std::int64_t to_us);
  SseLoadResult& result() { return result_; }

 private:
  struct Conn;
  void on_readable(Conn& c);
  void parse(Conn& c);
  void close_conn(Conn& c);  // done: out of epoll, socket closed
  int port_;
  std::string path_;
  int ep_ = -1;
  std::vector<std::string> tokens_;
  std::vector<Conn*> conns_;
  SseLoadResult result_;
  std::int64_t from_us_ = 0, to_us_ = 0;
};

std::int64_t now_us();

}  // namespace amo::bench_events
