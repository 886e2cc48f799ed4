#include "core/envelope/timestamp.h"


namespace amo::envelope {

namespace {
char* digits(char* p, std::int64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}
}  // namespace

void append_ts(std::string& out, std::int64_t now_ms) {
  std::int64_t secs = now_ms / 1000, ms = now_ms % 1000;
  if (ms < 0) { ms += 1000; --secs; }
  std::int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) { rem += 86400; --days; }
  // civil_from_days (H. Hinnant): proleptic Gregorian date of a day count since 1970-01-01.
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  std::int64_t y = yoe + era * 400 + (m <= 2);
  if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999;  // RFC 3339 has four year digits
  char buf[24];
  char* p = digits(buf, y, 4);
  *p++ = '-';
  p = digits(p, m, 2);
  *p++ = '-';
  p = digits(p, d, 2);
  *p++ = 'T';
  p = digits(p, rem / 3600, 2);
  *p++ = ':';
  p = digits(p, rem / 60 % 60, 2);
  *p++ = ':';
  p = digits(p, rem % 60, 2);
  *p++ = '.';
  p = digits(p, ms, 3);
  *p++ = 'Z';
  out.append(buf, static_cast<std::size_t>(p - buf));
}

std::string format_ts(std::int64_t now_ms) {
  std::string out;
  append_ts(out, now_ms);
  return out;
}

}  // namespace amo::envelope
