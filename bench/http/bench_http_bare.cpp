// bench_http_bare: a bare Boost.Beast/Asio server (the shape of Beast's own async example:
// tcp_stream with a timeout, a strand per connection, async_read/async_write of whole
// messages) answering GET /healthz with the very bytes amo-http's server sends, so
// bench_http.py can measure what our core costs over it.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cstdint>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// Same shape and cost as the real server's ids: a random prefix and a counter, 16 hex.
class Ids {
 public:
  Ids() : prefix_(static_cast<std::uint64_t>(std::random_device{}()) << 32) {}
  std::string next() {
    const std::uint64_t v = prefix_ | counter_.fetch_add(1, std::memory_order_relaxed);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(16, '0');
    for (int i = 15; i >= 0; --i) id[static_cast<std::size_t>(i)] = kHex[(v >> (4 * (15 - i))) & 0xf];
    return id;
  }

 private:
  std::uint64_t prefix_;
  std::atomic<std::uint32_t> counter_{0};
};

Ids ids;

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : stream_(std::move(socket)) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return close();
    res_ = {};
    res_.version(11);
    const bool found = req_.method() == http::verb::get && req_.target() == "/healthz";
    res_.result(found ? http::status::ok : http::status::not_found);
    res_.set(http::field::content_type, "application/json");
    res_.set("X-Request-Id", ids.next());
    res_.body() = found ? R"({"status":"ok"})" : R"({"error":"not found"})";
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code wec, std::size_t) {
      if (wec || !self->res_.keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::endpoint endpoint) : ioc_(ioc), acceptor_(net::make_strand(ioc)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }
  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(s))->run();
      }
      self->accept();
    });
  }

 private:
  net::io_context& ioc_;
  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_http_bare PORT [THREADS]\n";
    return 2;
  }
  const auto port = static_cast<unsigned short>(std::stoi(argv[1]));
  const unsigned threads = argc > 2 ? static_cast<unsigned>(std::stoi(argv[2])) : 2;
  net::io_context ioc(static_cast<int>(threads));
  std::make_shared<Listener>(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), port))->accept();
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
