#pragma once
// The envelope's `ts` (DESIGN §4): RFC 3339 UTC with milliseconds, e.g. 2026-11-25T10:00:00.123Z.
#include <cstdint>
#include <string>

namespace amo::envelope {

// now_ms: Unix time in milliseconds (the caller's clock). Pure arithmetic: no locale, no gmtime.
std::string format_ts(std::int64_t now_ms);
// The same text appended to out (no allocation beyond out's growth; used when stamping).
void append_ts(std::string& out, std::int64_t now_ms);

}  // namespace amo::envelope
