#pragma once
// Lets daemon_metrics count log lines per level (amo_log_lines_total) without the logger
// depending on metrics: the owner of the counters installs a callback and removes it before
// the counters go away.
#include <functional>

#include "daemon/log/log.h"

namespace amo::log {

// From now on every line written, by any path, calls `count(level)` under the logger's lock:
// keep it to an atomic increment. Replaces the previous callback.
void count_lines(const void* owner, std::function<void(Level)> count);
// Removes the callback if `owner` installed the current one; once it returns, none runs.
void stop_counting_lines(const void* owner);

}  // namespace amo::log
