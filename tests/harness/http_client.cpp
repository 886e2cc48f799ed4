#include "tests/harness/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace amo::harness {

namespace {

using Clock = std::chrono::steady_clock;

char lower_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_char(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int connect_to(int port, int receive_buffer) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(err));
  }
  return fd;
}

// Waits until fd is ready for `events`; false when `deadline` passed first.
bool wait_ready(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
  }
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  const std::string key = lower(name);
  for (const auto& [n, v] : headers) {
    if (n == key) return v;
  }
  return {};
}

bool HttpResponse::has_header(std::string_view name) const {
  const std::string key = lower(name);
  for (const auto& [n, v] : headers) {
    if (n == key) return true;
  }
  return false;
}

HttpClient::HttpClient(int port, HttpClientOptions options)
    : fd_(connect_to(port, options.receive_buffer)), options_(options) {}

HttpClient::~HttpClient() { close(); }

HttpClient::HttpClient(HttpClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), options_(other.options_), buffer_(std::move(other.buffer_)) {}

HttpClient& HttpClient::operator=(HttpClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    options_ = other.options_;
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

void HttpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void HttpClient::send(std::string_view bytes) {
  if (fd_ < 0) throw std::runtime_error("send on a closed client");
  const auto deadline = Clock::now() + options_.timeout;
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_ready(fd_, POLLOUT, deadline)) throw std::runtime_error("send: timed out");
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    throw std::runtime_error(std::string("send: ") + std::strerror(errno));
  }
}

bool HttpClient::fill() {
  if (fd_ < 0) throw std::runtime_error("read on a closed client");
  if (!wait_ready(fd_, POLLIN, Clock::now() + options_.timeout)) throw std::runtime_error("read: timed out");
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      buffer_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    throw std::runtime_error(std::string("read: ") + std::strerror(errno));
  }
}

std::string HttpClient::read_line() {
  for (;;) {
    const std::size_t end = buffer_.find("\r\n");
    if (end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return line;
    }
    if (!fill()) throw std::runtime_error("connection closed inside a line");
  }
}

std::string HttpClient::read_exact(std::size_t n) {
  while (buffer_.size() < n) {
    if (!fill()) throw std::runtime_error("connection closed inside a body");
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

HttpResponse HttpClient::read_head() {
  HttpResponse r;
  const std::string status_line = read_line();
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.")) {
    throw std::runtime_error("bad status line: " + status_line);
  }
  std::from_chars(status_line.data() + 9, status_line.data() + 12, r.status);
  for (;;) {
    const std::string line = read_line();
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) throw std::runtime_error("bad header line: " + line);
    r.headers.emplace_back(lower(std::string_view(line).substr(0, colon)),
                           std::string(trim(std::string_view(line).substr(colon + 1))));
  }
  r.chunked = lower(r.header("transfer-encoding")).find("chunked") != std::string::npos;
  return r;
}

std::optional<std::string> HttpClient::read_chunk() {
  const std::string size_line = read_line();
  std::size_t size = 0;
  const auto [end, ec] = std::from_chars(size_line.data(), size_line.data() + size_line.size(), size, 16);
  if (ec != std::errc{} || end == size_line.data()) throw std::runtime_error("bad chunk size line: " + size_line);
  if (size == 0) {
    while (!read_line().empty()) {
    }  // trailers
    return std::nullopt;
  }
  std::string data = read_exact(size);
  if (!read_line().empty()) throw std::runtime_error("chunk not followed by CRLF");
  return data;
}

HttpResponse HttpClient::read_response() {
  HttpResponse r = read_head();
  if (r.status < 200 || r.status == 204 || r.status == 304) return r;
  if (r.chunked) {
    while (auto chunk = read_chunk()) r.body += *chunk;
  } else if (r.has_header("content-length")) {
    r.body = read_exact(std::stoull(r.header("content-length")));
  } else {
    while (fill()) {
    }
    r.body = std::move(buffer_);
    buffer_.clear();
  }
  return r;
}

HttpResponse HttpClient::request(std::string_view method, std::string_view target, const HttpHeaders& headers,
                                 std::string_view body) {
  send(format_request(method, target, headers, body));
  return read_response();
}

bool HttpClient::wait_closed(std::chrono::milliseconds wait) {
  if (fd_ < 0) return true;
  const auto deadline = Clock::now() + wait;
  char buf[16384];
  for (;;) {
    if (!wait_ready(fd_, POLLIN, deadline)) return false;
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      buffer_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return true;
    if (errno == EINTR) continue;
    return true;  // reset: closed too
  }
}

std::string format_request(std::string_view method, std::string_view target, const HttpHeaders& headers,
                           std::string_view body) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (const auto& [name, value] : headers) out.append(name).append(": ").append(value).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT") {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append("\r\n").append(body);
  return out;
}

bool can_connect(int port) {
  try {
    HttpClient probe(port);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

}  // namespace amo::harness
