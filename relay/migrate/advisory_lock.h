#pragma once
// The session-level advisory lock `migrate` holds for a whole command, so two runners never
// interleave: the second waits, then finds nothing pending. A fixed key ("amo_migr" in
// ASCII), known to tests that hold it to make two runners contend.
#include <cstdint>

namespace amo::relay::migration {

inline constexpr std::int64_t kAdvisoryLockKey = 0x616d6f5f6d696772;

}  // namespace amo::relay::migration
