#pragma once
// A small blocking HTTP/1.1 client over a raw socket, for tests that need to misbehave on
// purpose: send any bytes (half a header, a body that never comes), keep one connection
// for several requests, read a streamed response chunk by chunk, or never read at all.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amo::harness {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;                                          // de-chunked
  bool chunked = false;

  // First header of that (case-insensitive) name, or empty.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpClientOptions {
  std::chrono::milliseconds timeout{10000};  // for each blocking read or write
  int receive_buffer = 0;                    // SO_RCVBUF set before connect; 0 = the default
};

class HttpClient {
 public:
  // Connects to 127.0.0.1:port; std::runtime_error if that fails.
  explicit HttpClient(int port, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // The bytes as they are.
  void send(std::string_view bytes);
  // Sends a request (Host added; Content-Length when there is a body) and reads the answer.
  HttpResponse request(std::string_view method, std::string_view target, const HttpHeaders& headers = {},
                       std::string_view body = {});
  HttpResponse get(std::string_view target, const HttpHeaders& headers = {}) { return request("GET", target, headers); }

  // One response: head, then a body by Content-Length, chunked, or up to EOF.
  // std::runtime_error on a timeout, a reset or a malformed answer.
  HttpResponse read_response();
  // The head only (status and headers), for a response read on with read_chunk().
  HttpResponse read_head();
  // The next chunk of a chunked body; nullopt after the last chunk (or at EOF).
  std::optional<std::string> read_chunk();

  // Waits up to `wait` for the peer to close (EOF or reset): true if it did. Bytes that
  // arrive meanwhile are kept (see received()).
  bool wait_closed(std::chrono::milliseconds wait);
  // Bytes read but not consumed by a read_* call.
  const std::string& received() const { return buffer_; }
  void close();
  bool is_open() const { return fd_ >= 0; }

 private:
  // Reads more into buffer_; false at EOF. Throws on timeout or error.
  bool fill();
  std::string read_line();
  std::string read_exact(std::size_t n);

  int fd_ = -1;
  HttpClientOptions options_;
  std::string buffer_;
};

// "METHOD target HTTP/1.1" with Host, the headers and Content-Length when there is a body.
std::string format_request(std::string_view method, std::string_view target, const HttpHeaders& headers = {},
                           std::string_view body = {});

// Whether 127.0.0.1:port accepts a TCP connection right now (false: refused).
bool can_connect(int port);

}  // namespace amo::harness
