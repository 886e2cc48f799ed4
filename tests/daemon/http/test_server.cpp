// amo-http-test-server: the HTTP server core with a few routes that exercise it, for the
// tests in this folder to drive over real sockets. SIGTERM stops it gracefully (exit 0).
#include <CLI/CLI.hpp>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/http/server.h"
#include "daemon/log/log.h"
#include "daemon/metrics/registry.h"

namespace {

using amo::http::Request;
using amo::http::Response;
using amo::http::Stream;

// The threads that feed streams; each ends when its stream's write fails (closed).
class StreamFeeders {
 public:
  template <class F>
  void spawn(F&& feed) {
    std::lock_guard lock(mutex_);
    threads_.emplace_back(std::forward<F>(feed));
  }
  void join() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

void log_on_close(const std::shared_ptr<Stream>& stream) {
  stream->on_close([id = stream->request_id()] { amo::log::info("stream closed request_id=" + id); });
}

std::vector<amo::http::Route> routes(StreamFeeders& feeders, amo::metrics::Registry& registry) {
  std::vector<amo::http::Route> r;
  r.push_back({"GET", "/metrics", [&registry](const Request&) {
                 return Response::text(200, registry.render(), "text/plain; version=0.0.4; charset=utf-8");
               }});
  r.push_back({"GET", "/healthz", [](const Request&) { return Response::json(200, R"({"status":"ok"})"); }});
  r.push_back({"GET", "/slow",
               [](const Request& req) {
                 const int ms = std::stoi(req.query_param("ms").value_or("100"));
                 std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                 return Response::json(200, "{\"slept_ms\":" + std::to_string(ms) + "}");
               },
               true});
  r.push_back({"POST", "/echo", [](const Request& req) {
                 return Response::text(200, req.body, "application/octet-stream");
               }});
  r.push_back({"GET", "/throw", [](const Request&) -> Response { throw std::runtime_error("handler broke"); }});
  // What the server filled in, one `key=value` a line, for the tests of Request's fields.
  r.push_back({"GET", "/inspect", [](const Request& req) {
                 std::string out = "method=" + req.method + "\npath=" + req.path + "\nquery=" + req.query +
                                   "\nq=" + req.query_param("q").value_or("<none>") +
                                   "\ncookie=" + req.cookie("session").value_or("<none>") + "\nremote=" + req.remote_ip +
                                   "\nrequest_id=" + req.request_id + "\n";
                 for (const auto& h : req.headers) out += "header " + h.name + "=" + h.value + "\n";
                 return Response::text(200, out);
               }});
  r.push_back({"GET", "/stream", [&feeders](const Request&) {
                 Response res;
                 res.set("Content-Type", "text/event-stream");
                 res.start = [&feeders](std::shared_ptr<Stream> stream) {
                   log_on_close(stream);
                   feeders.spawn([stream] {
                     for (int n = 0; stream->write("data: tick " + std::to_string(n) + "\n\n"); ++n) {
                       std::this_thread::sleep_for(std::chrono::milliseconds(50));
                     }
                   });
                 };
                 return res;
               }});
  // 16 KiB a millisecond (~16 MB/s): far less than a reading peer takes on loopback, so
  // only a peer that does not read lets the queue grow until it is dropped.
  r.push_back({"GET", "/flood", [&feeders](const Request&) {
                 Response res;
                 res.set("Content-Type", "application/octet-stream");
                 res.start = [&feeders](std::shared_ptr<Stream> stream) {
                   log_on_close(stream);
                   feeders.spawn([stream] {
                     const std::string block(16 * 1024, 'x');
                     while (stream->write(block)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                   });
                 };
                 return res;
               }});
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("amo-http-test-server: the HTTP server core with test routes");
  amo::http::ServerOptions options;
  int read_timeout_ms = 10000;
  int idle_timeout_ms = 60000;
  int stop_timeout_ms = 10000;
  std::string cors;
  app.add_option("--port", options.port, "port on 127.0.0.1 (0 = any)");
  app.add_option("--threads", options.threads, "I/O threads");
  app.add_option("--max-header-bytes", options.max_header_bytes);
  app.add_option("--max-body-bytes", options.max_body_bytes);
  app.add_option("--read-timeout-ms", read_timeout_ms);
  app.add_option("--idle-timeout-ms", idle_timeout_ms);
  app.add_option("--stop-timeout-ms", stop_timeout_ms);
  app.add_option("--stream-buffer-bytes", options.stream_buffer_bytes);
  app.add_option("--cors-origins", cors, "as the cors_origins key");
  CLI11_PARSE(app, argc, argv);
  options.read_timeout = std::chrono::milliseconds(read_timeout_ms);
  options.idle_timeout = std::chrono::milliseconds(idle_timeout_ms);
  options.stop_timeout = std::chrono::milliseconds(stop_timeout_ms);
  std::string error;
  auto policy = amo::http::parse_cors_origins(cors, error);
  if (!policy) {
    std::cerr << "cors_origins: " << error << "\n";
    return 2;
  }
  options.cors = std::move(*policy);

  // Blocked before any thread starts, so every thread inherits the mask and sigwait gets it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  amo::log::init({.level = amo::log::Level::info, .json = false, .daemon = "amo-http-test-server"});
  StreamFeeders feeders;
  amo::metrics::Registry registry;
  options.metrics = &registry;
  amo::http::Server server(options, routes(feeders, registry));
  try {
    server.start();
  } catch (const std::exception& e) {
    amo::log::error(e.what());
    return 1;
  }
  amo::log::info("listening on 127.0.0.1:" + std::to_string(server.port()));

  int sig = 0;
  sigwait(&signals, &sig);
  amo::log::info("received signal, stopping");
  server.stop();
  feeders.join();
  amo::log::info("stopped");
  return 0;
}
