#include "daemon/http/access_log.h"

#include <charconv>

#include "daemon/http/wire.h"

namespace amo::http {

std::string access_line(const AccessEntry& entry) {
  std::string line;
  line.reserve(128 + entry.path.size());
  line += "http request_id=";
  line += entry.request_id;
  line += " method=";
  line += entry.method.empty() ? "-" : entry.method;
  line += " path=";
  line += entry.path.empty() ? "-" : entry.path;
  line += " status=";
  append_number(line, static_cast<std::uint64_t>(entry.status));
  line += " bytes=";
  append_number(line, entry.bytes);
  line += " duration_ms=";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, entry.duration_ms, std::chars_format::fixed, 3);
  line.append(buf, r.ptr);
  line += " remote=";
  line += entry.remote;
  return line;
}

}  // namespace amo::http
