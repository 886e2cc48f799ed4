#include "daemon/http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "daemon/http/access_log.h"
#include "daemon/http/request_id.h"
#include "daemon/http/route_table.h"
#include "daemon/http/server_metrics.h"
#include "daemon/http/text.h"
#include "daemon/http/wire.h"
#include "daemon/log/log.h"

namespace amo::http {

namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

std::string_view to_std(boost::beast::string_view s) noexcept { return {s.data(), s.size()}; }

constexpr Clock::time_point kNoDeadline = Clock::time_point::max();
// After the last response on a connection we stop sending and read what the peer still
// sends for a moment before closing: closing with unread bytes would reset the connection
// and could destroy the response in flight (RFC 7230 §6.6).
constexpr std::chrono::milliseconds kLingerTime{2000};

class Connection;

// Everything the server shares with its connections; Server::Impl is this.
struct ServerCore {
  ServerCore(ServerOptions o, std::vector<Route> r)
      : options(std::move(o)),
        routes(std::move(r)),
        table(routes),
        metrics(register_server_metrics(options.metrics)) {}

  void add(const std::shared_ptr<Connection>& c);
  void remove(const Connection* c);
  std::vector<std::shared_ptr<Connection>> live_connections();
  void start();
  void accept();
  void stop();
  void wait();

  const ServerOptions options;
  const std::vector<Route> routes;
  const RouteTable table;
  const ServerMetrics metrics;
  RequestIds ids;
  std::atomic<bool> stopping{false};

  std::mutex mutex;  // guards what follows up to the io_context
  std::condition_variable changed;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> connections;
  bool started = false;
  bool stop_begun = false;
  bool stopped = false;
  int bound_port = 0;

  // Declared after the registry: destroying the io_context destroys the connections its
  // pending handlers hold, and they unregister themselves.
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  net::steady_timer accept_retry{acceptor.get_executor()};
  std::optional<net::thread_pool> pool;
  std::vector<std::thread> threads;
};

// The stream a handler gets: thread-safe, it hands each write to the connection's strand
// and keeps the count of bytes not yet sent, so a slow reader is dropped instead of growing
// the queue (or blocking anyone).
class ConnectionStream final : public Stream {
 public:
  ConnectionStream(std::weak_ptr<Connection> connection, std::string request_id, std::size_t limit)
      : connection_(std::move(connection)), request_id_(std::move(request_id)), limit_(limit) {}

  bool write(std::string data) override;
  void close() override;
  bool closed() const noexcept override { return closed_.load(std::memory_order_acquire); }
  std::size_t buffered() const noexcept override { return queued_.load(std::memory_order_relaxed); }
  void on_close(std::function<void()> callback) override {
    std::unique_lock lock(mutex_);
    if (!ended_) {
      callback_ = std::move(callback);
      return;
    }
    if (fired_ || !callback) return;
    fired_ = true;
    lock.unlock();
    callback();
  }
  const std::string& request_id() const noexcept override { return request_id_; }

  // Connection side (its strand): the stream is over; on_close fires, once.
  void end() {
    closed_.store(true, std::memory_order_release);
    std::function<void()> callback;
    {
      std::lock_guard lock(mutex_);
      if (ended_) return;
      ended_ = true;
      if (callback_ && !fired_) {
        fired_ = true;
        callback = std::move(callback_);
      }
    }
    if (callback) callback();
  }
  void sent(std::size_t n) noexcept { queued_.fetch_sub(n, std::memory_order_relaxed); }

 private:
  std::weak_ptr<Connection> connection_;
  const std::string request_id_;
  const std::size_t limit_;
  std::atomic<bool> closed_{false};
  std::atomic<std::size_t> queued_{0};
  std::mutex mutex_;
  std::function<void()> callback_;
  bool ended_ = false;
  bool fired_ = false;
};

// One TCP connection. Every member is touched only on the connection's strand, except the
// request while a blocking handler runs on the pool (the strand leaves it alone then).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerCore& core, tcp::socket socket) : core_(core), socket_(std::move(socket)), timer_(socket_.get_executor()) {
    error_code ec;
    remote_ip_ = socket_.remote_endpoint(ec).address().to_string();
    socket_.set_option(tcp::no_delay(true), ec);
    if (core_.metrics.connections) core_.metrics.connections->add(1);
  }
  ~Connection() {
    stream_end();
    if (core_.metrics.connections) core_.metrics.connections->add(-1);
    core_.remove(this);
  }

  net::any_io_executor executor() { return socket_.get_executor(); }

  void start() {
    set_deadline(Clock::now() + core_.options.read_timeout);
    begin_request();
  }

  // Graceful stop: idle connections close, streams end; a request in flight is answered
  // (with Connection: close, as `stopping` says).
  void on_server_stop() {
    if (phase_ == Phase::reading && !request_started_) {
      close_now();
    } else if (phase_ == Phase::streaming) {
      stream_finish();
    }
  }

  // After the I/O threads are joined (stop_timeout passed): nothing else runs.
  void force_close() { close_now(); }

  void stream_enqueue(std::string data) {
    if (phase_ != Phase::streaming || finishing_) {
      stream_->sent(data.size());
      return;
    }
    chunks_.push_back(std::move(data));
    if (!stream_writing_) stream_flush();
  }

  // Last chunk after what is queued, then close.
  void stream_finish() {
    if (phase_ != Phase::streaming || finishing_) return;
    finishing_ = true;
    set_deadline(Clock::now() + core_.options.read_timeout);
    if (!stream_writing_) stream_flush();
  }

  void stream_abort() {
    if (phase_ != Phase::streaming) return;
    stream_end();
    close_now();
  }

 private:
  enum class Phase { reading, handling, writing, streaming, lingering, closed };

  // ---- reading a request ----

  void begin_request() {
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(core_.options.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(core_.options.max_body_bytes);
    header_checked_ = false;
    request_started_ = false;
    if (buffer_.size() > 0) {
      mark_request_started();
      parse();
    } else {
      read();
    }
  }

  void mark_request_started() {
    request_started_ = true;
    request_start_ = Clock::now();
    set_deadline(request_start_ + core_.options.read_timeout);
  }

  void read() {
    const std::size_t room = buffer_.capacity() - buffer_.size();
    socket_.async_read_some(buffer_.prepare(std::clamp<std::size_t>(room, 4096, 65536)),
                            [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(error_code ec, std::size_t n) {
    if (phase_ != Phase::reading) return;
    if (ec) {
      close_now();  // EOF or reset: there is nobody to answer
      return;
    }
    buffer_.commit(n);
    if (!request_started_) mark_request_started();
    parse();
  }

  void parse() {
    for (;;) {
      if (parser_->is_done()) {
        dispatch();
        return;
      }
      if (buffer_.size() == 0) {
        read();
        return;
      }
      error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) {
        read();
        return;
      }
      if (ec) {
        parse_failed(ec);
        return;
      }
      if (parser_->is_header_done() && !header_checked_) {
        header_checked_ = true;
        parser_->eager(true);
        // Content-Length over max_body_bytes never gets here: the parser refused it at the
        // header (body_limit), before a byte of the body was read.
        if (!parser_->is_done() && iequals(to_std(parser_->get()[bhttp::field::expect]), "100-continue")) {
          write_continue();
          return;
        }
      } else if (used == 0) {
        read();
        return;
      }
    }
  }

  void write_continue() {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (self->phase_ != Phase::reading) return;
                       if (ec) return self->close_now();
                       self->parse();
                     });
  }

  void parse_failed(error_code ec) {
    fill_request();
    keep_alive_ = false;
    if (ec == bhttp::error::header_limit) return finish(Response::error(431, "request header fields too large"));
    if (ec == bhttp::error::body_limit) return finish(Response::error(413, "request body too large"));
    finish(Response::error(400, "malformed request"));
  }

  // The request as far as the parser got (all of it, or the header of a refused one).
  void fill_request() {
    auto& msg = parser_->get();
    request_.method = to_std(msg.method_string());
    request_.target = to_std(msg.target());
    const std::size_t q = request_.target.find('?');
    request_.path.assign(request_.target, 0, q);
    if (q == std::string::npos) {
      request_.query.clear();
    } else {
      request_.query.assign(request_.target, q + 1);
    }
    request_.headers.clear();
    for (const auto& field : msg) {
      request_.headers.push_back({lower(to_std(field.name_string())), std::string(to_std(field.value()))});
    }
    request_.body = std::move(msg.body());
    request_.remote_ip = remote_ip_;
    const std::string_view client_id = request_.header("x-request-id");
    request_.request_id = is_sane_request_id(client_id) ? std::string(client_id) : core_.ids.next();
    keep_alive_ = msg.keep_alive();
    head_ = request_.method == "HEAD";
    http10_ = msg.version() < 11;
    if (!request_started_) mark_request_started();
  }

  // ---- handling ----

  void dispatch() {
    fill_request();
    phase_ = Phase::handling;
    set_deadline(kNoDeadline);
    const RouteTable::Match match = core_.table.find(request_.method, request_.path);
    if (is_preflight(request_)) {
      return finish(preflight(core_.options.cors, request_, match.allow ? std::string_view(*match.allow) : kDefaultAllowMethods));
    }
    if (!match.allow) return finish(Response::error(404, "not found"));
    const Route* route = match.route;
    if (!route) {
      Response r;
      if (request_.method == "OPTIONS") {
        r.status = 204;
      } else {
        r = Response::error(405, "method not allowed");
      }
      r.set("Allow", *match.allow);
      return finish(std::move(r));
    }
    if (!route->blocking) return finish(run(*route, request_));
    net::post(*core_.pool, [self = shared_from_this(), route] {
      Response response = run(*route, self->request_);
      net::post(self->executor(), [self, response = std::move(response)]() mutable { self->finish(std::move(response)); });
    });
  }

  static Response run(const Route& route, const Request& request) {
    try {
      return route.handler(request);
    } catch (const std::exception& e) {
      log::error("http handler failed request_id=" + request.request_id + " path=" + request.path + ": " + e.what());
    } catch (...) {
      log::error("http handler failed request_id=" + request.request_id + " path=" + request.path);
    }
    return Response::error(500, "internal error");
  }

  // ---- writing the response ----

  void finish(Response response) {
    if (phase_ == Phase::closed) {
      // The peer went away while a blocking handler ran; a stream still gets its start().
      if (response.start) start_closed_stream(std::move(response.start));
      return;
    }
    phase_ = Phase::writing;
    apply(core_.options.cors, request_, response);
    // 1xx is the server's business (100 Continue), never a handler's final answer.
    status_ = response.status < 200 || response.status > 999 ? 500 : response.status;
    close_after_ = !keep_alive_ || core_.stopping.load(std::memory_order_relaxed);
    out_.clear();
    append_head(out_, status_, response.headers, request_.request_id);
    if (response.start) return write_stream_head(std::move(response));
    body_ = has_no_body(status_) ? std::string() : std::move(response.body);
    if (!has_no_body(status_)) {
      out_ += "Content-Length: ";
      append_number(out_, body_.size());
      out_ += "\r\n";
    }
    if (close_after_) {
      out_ += "Connection: close\r\n";
    } else if (http10_) {
      out_ += "Connection: keep-alive\r\n";
    }
    out_ += "\r\n";
    body_bytes_ = body_.size();
    if (head_) body_.clear();
    // A small body joins the head: one buffer, one copy of a few bytes.
    if (body_.size() <= 4096) {
      out_ += body_;
      body_.clear();
    }
    set_deadline(Clock::now() + core_.options.read_timeout);
    const std::array<net::const_buffer, 2> buffers{net::buffer(out_), net::buffer(body_)};
    net::async_write(socket_, buffers,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_written(ec); });
  }

  void on_written(error_code ec) {
    access_log(status_, body_bytes_);
    if (core_.metrics.duration) {
      core_.metrics.duration->observe(std::chrono::duration<double>(Clock::now() - request_start_).count());
    }
    if (ec || phase_ == Phase::closed) return close_now();
    if (close_after_ || core_.stopping.load(std::memory_order_relaxed)) return linger_close();
    set_deadline(Clock::now() + core_.options.idle_timeout);
    begin_request();
  }

  void access_log(int status, std::uint64_t bytes) {
    core_.metrics.count(status);
    log::info(access_line({.request_id = request_.request_id,
                           .method = request_.method,
                           .path = request_.path,
                           .status = status,
                           .bytes = bytes,
                           .duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - request_start_).count(),
                           .remote = remote_ip_}));
  }

  // ---- streaming ----

  void write_stream_head(Response response) {
    out_ += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    close_after_ = true;
    start_ = std::move(response.start);
    stream_ = std::make_shared<ConnectionStream>(weak_from_this(), request_.request_id, core_.options.stream_buffer_bytes);
    set_deadline(Clock::now() + core_.options.read_timeout);
    net::async_write(socket_, net::buffer(out_),
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_stream_head_written(ec); });
  }

  void on_stream_head_written(error_code ec) {
    core_.metrics.count(status_);
    if (core_.metrics.duration) {
      core_.metrics.duration->observe(std::chrono::duration<double>(Clock::now() - request_start_).count());
    }
    if (ec || phase_ == Phase::closed) {
      stream_end();
      close_now();
      call_start();
      return;
    }
    phase_ = Phase::streaming;
    set_deadline(kNoDeadline);
    if (core_.metrics.streams) core_.metrics.streams->add(1);
    stream_counted_ = true;
    drain();
    call_start();
    if (core_.stopping.load(std::memory_order_relaxed)) stream_finish();
  }

  void call_start() {
    auto start = std::move(start_);
    start_ = nullptr;
    try {
      start(stream_);
    } catch (const std::exception& e) {
      log::error("http stream start failed request_id=" + request_.request_id + ": " + e.what());
      stream_finish();
    }
  }

  void start_closed_stream(std::function<void(std::shared_ptr<Stream>)> start) {
    stream_ = std::make_shared<ConnectionStream>(weak_from_this(), request_.request_id, core_.options.stream_buffer_bytes);
    stream_end();
    start_ = std::move(start);
    call_start();
  }

  // While streaming, and while lingering before the close, one read stays pending: a peer
  // that goes away is noticed at once; bytes it sends mean nothing now and are dropped.
  void drain() {
    if (draining_) return;
    draining_ = true;
    socket_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](error_code ec, std::size_t) {
      self->draining_ = false;
      if (self->phase_ == Phase::streaming) {
        if (ec) return self->stream_abort();
      } else if (self->phase_ == Phase::lingering) {
        if (ec) return self->close_now();
      } else {
        return;
      }
      self->drain();
    });
  }

  void stream_flush() {
    if (chunks_.empty() && !finishing_) return;
    in_flight_.clear();
    heads_.clear();
    buffers_.clear();
    in_flight_bytes_ = 0;
    while (!chunks_.empty()) {
      in_flight_.push_back(std::move(chunks_.front()));
      chunks_.pop_front();
    }
    // Heads first, buffers after: the buffers point into the strings, which must not move.
    for (const std::string& chunk : in_flight_) {
      std::string head;
      append_chunk_size(head, chunk.size());
      heads_.push_back(std::move(head));
      in_flight_bytes_ += chunk.size();
    }
    static constexpr std::string_view kCrlf = "\r\n";
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    for (std::size_t i = 0; i < in_flight_.size(); ++i) {
      buffers_.push_back(net::buffer(heads_[i]));
      buffers_.push_back(net::buffer(in_flight_[i]));
      buffers_.push_back(net::buffer(kCrlf.data(), kCrlf.size()));
    }
    const bool last = finishing_;
    if (last) buffers_.push_back(net::buffer(kLastChunk.data(), kLastChunk.size()));
    stream_writing_ = true;
    net::async_write(socket_, buffers_, [self = shared_from_this(), last](error_code ec, std::size_t) {
      self->on_stream_written(ec, last);
    });
  }

  void on_stream_written(error_code ec, bool last) {
    stream_writing_ = false;
    stream_->sent(in_flight_bytes_);
    stream_bytes_ += in_flight_bytes_;
    if (phase_ != Phase::streaming) return;
    if (ec) return stream_abort();
    if (last) {
      stream_end();
      return linger_close();
    }
    if (!chunks_.empty() || finishing_) stream_flush();
  }

  void stream_end() {
    if (!stream_ || stream_ended_) return;
    stream_ended_ = true;
    if (stream_counted_ && core_.metrics.streams) core_.metrics.streams->add(-1);
    if (stream_counted_) access_log(status_, stream_bytes_);
    stream_->end();
  }

  // ---- closing and timeouts ----

  void linger_close() {
    phase_ = Phase::lingering;
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    set_deadline(Clock::now() + std::min<Clock::duration>(kLingerTime, core_.options.read_timeout));
    drain();
  }

  void close_now() {
    if (phase_ == Phase::closed) return;
    phase_ = Phase::closed;
    stream_end();
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    timer_.cancel();
  }

  // One timer per connection, re-armed lazily: moving the deadline later costs nothing, the
  // timer notices when it fires and waits again.
  void set_deadline(Clock::time_point deadline) {
    deadline_ = deadline;
    if (deadline == kNoDeadline || phase_ == Phase::closed) return;
    if (!timer_armed_ || deadline < timer_expiry_) arm(deadline);
  }

  void arm(Clock::time_point at) {
    timer_armed_ = true;
    timer_expiry_ = at;
    timer_.expires_at(at);
    timer_.async_wait([weak = weak_from_this()](error_code ec) {
      if (ec == net::error::operation_aborted) return;
      if (auto self = weak.lock()) self->on_timer();
    });
  }

  void on_timer() {
    timer_armed_ = false;
    if (phase_ == Phase::closed || deadline_ == kNoDeadline) return;
    if (Clock::now() < deadline_) return arm(deadline_);
    on_deadline();
  }

  void on_deadline() {
    switch (phase_) {
      case Phase::reading:
        // Part of a request came, not all of it in read_timeout: 408. Nothing came at all
        // (new or idle keep-alive connection): close quietly, since a 408 there could be
        // read as the answer to a request the client is sending right now.
        if (!request_started_) return close_now();
        {
          error_code ec;
          socket_.cancel(ec);
        }
        parser_.emplace();  // what arrived of the request is dropped, not half-parsed
        fill_request();
        keep_alive_ = false;
        return finish(Response::error(408, "request timeout"));
      case Phase::writing:    // the peer does not read our answer
      case Phase::streaming:  // the last chunk does not drain after close()/stop
      case Phase::lingering:
        return close_now();
      case Phase::handling:
      case Phase::closed:
        return;
    }
  }

  ServerCore& core_;
  tcp::socket socket_;
  net::steady_timer timer_;
  std::string remote_ip_;
  Phase phase_ = Phase::reading;

  Clock::time_point deadline_ = kNoDeadline;
  Clock::time_point timer_expiry_{};
  bool timer_armed_ = false;

  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool header_checked_ = false;
  bool request_started_ = false;
  Clock::time_point request_start_{};
  Request request_;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_ = false;

  int status_ = 0;
  bool close_after_ = false;
  std::string out_;
  std::string body_;
  std::uint64_t body_bytes_ = 0;
  std::array<char, 512> scratch_{};
  bool draining_ = false;

  std::shared_ptr<ConnectionStream> stream_;
  std::function<void(std::shared_ptr<Stream>)> start_;
  std::deque<std::string> chunks_;
  std::vector<std::string> in_flight_;
  std::vector<std::string> heads_;
  std::vector<net::const_buffer> buffers_;
  std::size_t in_flight_bytes_ = 0;
  std::uint64_t stream_bytes_ = 0;
  bool stream_writing_ = false;
  bool finishing_ = false;
  bool stream_ended_ = false;
  bool stream_counted_ = false;
};

bool ConnectionStream::write(std::string data) {
  if (closed()) return false;
  if (data.empty()) return true;  // an empty chunk would end the response
  const std::size_t size = data.size();
  if (queued_.fetch_add(size, std::memory_order_relaxed) + size > limit_) {
    queued_.fetch_sub(size, std::memory_order_relaxed);
    closed_.store(true, std::memory_order_release);
    if (auto c = connection_.lock()) net::post(c->executor(), [c] { c->stream_abort(); });
    return false;
  }
  auto c = connection_.lock();
  if (!c) {
    queued_.fetch_sub(size, std::memory_order_relaxed);
    return false;
  }
  net::post(c->executor(), [c, data = std::move(data)]() mutable { c->stream_enqueue(std::move(data)); });
  return true;
}

void ConnectionStream::close() {
  if (closed_.exchange(true, std::memory_order_acq_rel)) return;
  if (auto c = connection_.lock()) net::post(c->executor(), [c] { c->stream_finish(); });
}

void ServerCore::add(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mutex);
  connections.emplace(c.get(), c);
}

void ServerCore::remove(const Connection* c) {
  std::lock_guard lock(mutex);
  connections.erase(c);
  if (stopping.load(std::memory_order_relaxed)) changed.notify_all();
}

std::vector<std::shared_ptr<Connection>> ServerCore::live_connections() {
  std::vector<std::shared_ptr<Connection>> live;
  std::lock_guard lock(mutex);
  for (auto& [raw, weak] : connections) {
    if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  return live;
}

void ServerCore::start() {
  {
    std::lock_guard lock(mutex);
    if (started || stop_begun) throw std::logic_error("http server: start() called twice or after stop()");
  }
  const std::string where = options.host + ":" + std::to_string(options.port);
  try {
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(options.host, std::to_string(options.port),
                                          tcp::resolver::numeric_service | tcp::resolver::passive);
    if (results.empty()) throw std::runtime_error("no address");
    const tcp::endpoint endpoint = *results.begin();
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + where + ": " + e.what());
  }
  {
    std::lock_guard lock(mutex);
    bound_port = acceptor.local_endpoint().port();
    started = true;
  }
  pool.emplace(std::max(1u, options.worker_threads));
  work.emplace(ioc.get_executor());
  accept();
  const unsigned n = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    threads.emplace_back([this] {
      for (;;) {
        try {
          ioc.run();
          return;
        } catch (const std::exception& e) {
          log::error(std::string("http: I/O thread caught: ") + e.what());
        }
      }
    });
  }
}

void ServerCore::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (ec) {
      // Out of file descriptors and the like: say so, and try again in a moment.
      log::warning("http accept failed: " + ec.message());
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](error_code) {
        if (acceptor.is_open()) accept();
      });
      return;
    } else if (!stopping.load(std::memory_order_relaxed)) {
      auto c = std::make_shared<Connection>(*this, std::move(socket));
      add(c);
      net::post(c->executor(), [c] { c->start(); });
    }
    accept();
  });
}

void ServerCore::stop() {
  {
    std::unique_lock lock(mutex);
    if (stop_begun) {
      changed.wait(lock, [&] { return stopped; });
      return;
    }
    stop_begun = true;
    if (!started) {
      stopped = true;
      changed.notify_all();
      return;
    }
  }
  stopping.store(true);
  std::promise<void> acceptor_closed;
  net::post(acceptor.get_executor(), [&] {
    error_code ec;
    acceptor.close(ec);
    accept_retry.cancel();
    acceptor_closed.set_value();
  });
  acceptor_closed.get_future().wait();

  for (auto& c : live_connections()) net::post(c->executor(), [c] { c->on_server_stop(); });
  {
    std::unique_lock lock(mutex);
    changed.wait_until(lock, Clock::now() + options.stop_timeout, [&] { return connections.empty(); });
  }
  work.reset();
  ioc.stop();
  for (auto& t : threads) t.join();
  threads.clear();
  pool->stop();
  pool->join();
  // Past stop_timeout: whatever is left is cut off (its streams' on_close still fires).
  for (auto& c : live_connections()) c->force_close();
  {
    std::lock_guard lock(mutex);
    stopped = true;
  }
  changed.notify_all();
}

void ServerCore::wait() {
  std::unique_lock lock(mutex);
  changed.wait(lock, [&] { return stopped; });
}

}  // namespace

struct Server::Impl : ServerCore {
  using ServerCore::ServerCore;
};

Server::Server(ServerOptions options, std::vector<Route> routes)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(routes))) {}

Server::~Server() { impl_->stop(); }

void Server::start() { impl_->start(); }

int Server::port() const noexcept {
  std::lock_guard lock(impl_->mutex);
  return impl_->bound_port;
}

void Server::stop() { impl_->stop(); }

void Server::wait() { impl_->wait(); }

}  // namespace amo::http
