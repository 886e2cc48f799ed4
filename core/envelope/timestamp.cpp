#include "core/envelope/timestamp.h"

#include <cstdio>

namespace amo::envelope {

std::string format_ts(std::int64_t now_ms) {
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
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y),
                        static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rem / 3600),
                        static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60), static_cast<long long>(ms));
  return std::string(buf, static_cast<std::size_t>(n > 0 ? n : 0));
}

}  // namespace amo::envelope
