#pragma once
// Plain request and response values for handlers (no Beast types here: handlers are plain
// functions of request → response, DESIGN §8; the Beast templates live in server.cpp only).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amo::http {

struct Header {
  std::string name;  // lower case
  std::string value;
};

struct Request {
  std::string method;  // "GET", "POST", …
  std::string target;  // as sent: path and query (never logged whole: it may hold token=)
  std::string path;    // target before '?'
  std::string query;   // after '?', still percent-encoded
  std::vector<Header> headers;
  std::string body;
  std::string remote_ip;
  std::string request_id;  // generated per request (or a sane client X-Request-Id)

  // First header of that (case-insensitive) name, or empty.
  std::string_view header(std::string_view name) const noexcept;
  bool has_header(std::string_view name) const noexcept;
  // Percent-decoded value of the first `name=` query parameter, nullopt if absent.
  std::optional<std::string> query_param(std::string_view name) const;
  // Value of the cookie `name` from the Cookie header(s), nullopt if absent.
  std::optional<std::string> cookie(std::string_view name) const;
};

// A long-lived response body (SSE). The server owns the socket; the handler keeps this and
// writes from any thread. A read stays pending on the socket, so a peer that goes away is
// noticed at once (on_close fires), not at the next write.
class Stream {
 public:
  virtual ~Stream() = default;
  // Queues bytes for the peer. False when the stream is closed, or when the queue would pass
  // the server's per-stream buffer limit: the stream is then closed (slow reader dropped).
  virtual bool write(std::string data) = 0;
  // Ends the response (last chunk) and closes the connection once queued bytes are sent.
  virtual void close() = 0;
  virtual bool closed() const noexcept = 0;
  // Bytes queued and not yet sent: a writer that can wait (a stream catching up) holds back
  // while the peer is slow instead of filling the buffer up to the drop.
  virtual std::size_t buffered() const noexcept = 0;
  // Called once, on any thread, when the stream closes for whatever reason (peer gone,
  // close(), buffer overflow, server stop). Set it before the first write.
  virtual void on_close(std::function<void()> callback) = 0;
  virtual const std::string& request_id() const noexcept = 0;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;  // Content-Type goes here too
  std::string body;
  // Set for a streaming response: the server sends the status and headers (chunked, no
  // Content-Length, Connection: close), then calls start() once with the stream, on the
  // connection's I/O thread (keep it quick). It is called even when the peer is already gone
  // (the stream is then closed and on_close fires as soon as it is set). Body must be empty.
  std::function<void(std::shared_ptr<Stream>)> start;

  Response& set(std::string_view name, std::string_view value);  // replaces a header
  static Response text(int status, std::string body, std::string_view content_type = "text/plain; charset=utf-8");
  static Response json(int status, std::string body);
  // {"error":"<message>"} with the given status (message JSON-escaped).
  static Response error(int status, std::string_view message);
};

using Handler = std::function<Response(const Request&)>;

}  // namespace amo::http
