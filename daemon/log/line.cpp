#include "daemon/log/line.h"

#include <ctime>

#include "daemon/log/redact.h"

namespace amo::log {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_digits(std::string& out, long value, int width) {
  char buf[12];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

// Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates,
// nothing past U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return n;
}

// Text form: the message stays one line (no forged records through an embedded newline).
void append_text_escaped(std::string_view text, std::string& out) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out.push_back(ch);
    } else if (ch == '\t') {
      out.push_back('\t');
    } else if (ch == '\n') {
      out.append("\\n");
    } else if (ch == '\r') {
      out.append("\\r");
    } else {
      out.append("\\x");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
}

}  // namespace

std::string_view level_name(Level level) noexcept {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
  }
  return "info";
}

void append_timestamp(std::chrono::system_clock::time_point time, std::string& out) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(time);
  const auto ms = duration_cast<milliseconds>(time - secs).count();
  const std::time_t t = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  append_digits(out, tm.tm_year + 1900L, 4);
  out.push_back('-');
  append_digits(out, tm.tm_mon + 1L, 2);
  out.push_back('-');
  append_digits(out, tm.tm_mday, 2);
  out.push_back('T');
  append_digits(out, tm.tm_hour, 2);
  out.push_back(':');
  append_digits(out, tm.tm_min, 2);
  out.push_back(':');
  append_digits(out, tm.tm_sec, 2);
  out.push_back('.');
  append_digits(out, static_cast<long>(ms), 3);
  out.push_back('Z');
}

void append_json_escaped(std::string_view text, std::string& out) {
  for (std::size_t i = 0; i < text.size();) {
    const char ch = text[i];
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) {
        out.append("\\ufffd");
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    ++i;
    switch (ch) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(ch);
        }
    }
  }
}

void render(const Line& line, bool json, std::string& out) {
  const std::string message = redact(line.message);
  if (json) {
    out.append(R"({"ts":")");
    append_timestamp(line.time, out);
    out.append(R"(","level":")");
    out.append(level_name(line.level));
    out.append(R"(","daemon":")");
    append_json_escaped(line.daemon, out);
    out.append(R"(","msg":")");
    append_json_escaped(message, out);
    out.append(line.audit ? "\",\"audit\":true}\n" : "\"}\n");
  } else {
    append_timestamp(line.time, out);
    out.push_back(' ');
    out.append(level_name(line.level));
    out.push_back(' ');
    append_text_escaped(line.daemon, out);
    out.append(line.audit ? ": audit: " : ": ");
    append_text_escaped(message, out);
    out.push_back('\n');
  }
}

}  // namespace amo::log
