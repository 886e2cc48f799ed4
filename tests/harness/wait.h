#pragma once
// Polling for a condition in live tests: the waits are generous bounds, never the assertion.
#include <chrono>
#include <functional>

namespace amo::harness {

// Calls `done` every `step` until it returns true (then true) or `timeout` passes (false).
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(20));

}  // namespace amo::harness
