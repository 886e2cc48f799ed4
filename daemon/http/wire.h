#pragma once
// The bytes of a response head and of chunk framing, as the server writes them. Framing
// (Content-Length, Transfer-Encoding, Connection) and X-Request-Id are the server's own:
// handlers' values for them are ignored, and a header that could break the framing (CR, LF,
// NUL in a value; a name that is not a token) is dropped.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/http/message.h"

namespace amo::http {

std::string_view reason_phrase(int status) noexcept;
// 1xx, 204 and 304 never carry a body, nor a Content-Length (RFC 9110 §8.6).
bool has_no_body(int status) noexcept;
bool is_writable_header(const Header& header) noexcept;

// "HTTP/1.1 <status> <reason>\r\n", the handler's headers, "X-Request-Id: …\r\n"; the
// caller appends the framing headers and the blank line.
void append_head(std::string& out, int status, const std::vector<Header>& headers, std::string_view request_id);
// "<hex size>\r\n"
void append_chunk_size(std::string& out, std::uint64_t size);
void append_number(std::string& out, std::uint64_t n);

}  // namespace amo::http
