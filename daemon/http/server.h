#pragma once
// The one HTTP/1.1 server core of both daemons (Boost.Beast/Asio, all templates in
// server.cpp). Keep-alive, bounded header (431) and body (413) sizes, a read timeout against
// slow clients, CORS (cors.h), request ids in every access-log line, streaming responses
// (message.h Stream) and a graceful stop.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "daemon/http/cors.h"
#include "daemon/http/message.h"

namespace amo::metrics {
class Registry;
}

namespace amo::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                       // 0 = any free port (see Server::port())
  unsigned threads = 0;               // I/O threads; 0 = hardware concurrency
  unsigned worker_threads = 4;        // for routes marked blocking (database work)
  std::size_t max_header_bytes = 8192;                     // over → 431
  std::size_t max_body_bytes = 65536;                      // over → 413
  std::chrono::milliseconds read_timeout{10000};           // a request must arrive whole within it
  std::chrono::milliseconds idle_timeout{60000};           // keep-alive connection with no request
  std::chrono::milliseconds stop_timeout{10000};           // graceful stop: in-flight work gets this long
  std::size_t stream_buffer_bytes = 1 << 20;               // per Stream; past it the reader is dropped
  CorsPolicy cors;
  // When set: http_requests_total{code="1xx".."5xx"} (by status class), http_request_duration_seconds,
  // http_connections, http_streams (server_metrics.h).
  metrics::Registry* metrics = nullptr;
};

struct Route {
  std::string method;  // "GET", "POST", …
  std::string path;    // exact match
  Handler handler;
  // false: the handler is quick and never blocks (health, metrics) and runs on the I/O
  // thread; true: it may block (database) and runs on the worker pool.
  bool blocking = false;
};

class Server {
 public:
  Server(ServerOptions options, std::vector<Route> routes);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads; throws std::runtime_error naming host:port on failure.
  void start();
  int port() const noexcept;  // the bound port, after start()
  // Stops accepting, lets in-flight requests finish (closing idle keep-alive connections and
  // streams), waits up to stop_timeout, joins the threads. Idempotent; thread-safe, but not
  // from a handler or on_close callback (it joins the threads they run on). A blocking
  // handler still running past stop_timeout is waited for: the pool cannot interrupt it.
  void stop();
  // Blocks until stop() has completed.
  void wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace amo::http
