// bench_http_ours: amo-http's server core with GET /healthz only (the daemons' own route,
// access log included), measured by bench_http.py against bench_http_bare.
#include <signal.h>

#include <iostream>
#include <string>

#include "daemon/http/server.h"
#include "daemon/log/log.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_http_ours PORT [THREADS]\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  amo::log::init({.level = amo::log::Level::info, .json = false, .daemon = "bench_http_ours"});
  amo::http::ServerOptions options;
  options.port = std::stoi(argv[1]);
  options.threads = argc > 2 ? static_cast<unsigned>(std::stoi(argv[2])) : 2;
  amo::http::Server server(options, {{"GET", "/healthz", [](const amo::http::Request&) {
                                        return amo::http::Response::json(200, R"({"status":"ok"})");
                                      }}});
  server.start();
  int sig = 0;
  sigwait(&signals, &sig);
  server.stop();
  return 0;
}
