#pragma once
// What the relay writes itself (DESIGN §4, §6): SSE frames, and the reset and replay.done
// envelopes of SSE and MQTT replay. Pure apart from the clock and the random UUID.
#include <cstdint>
#include <string>
#include <string_view>

namespace amo::relay {

inline constexpr int kSseRetryMs = 3000;

std::string sse_retry();                                                                // "retry: 3000\n\n"
std::string sse_event(std::int64_t seq, std::string_view kind, std::string_view data);  // id/event/data
std::string sse_heartbeat();                                                            // ":\n\n"

// {"v":1,"id":<uuid v4>,"kind":"reset","amo":…,"ts":…,"payload":{"reason":…,"latest":…}}
std::string reset_envelope(std::string_view amo, std::int64_t latest, std::string_view reason);
// {"v":1,…,"kind":"replay.done",…,"payload":{"last":…}}
std::string replay_done_envelope(std::string_view amo, std::int64_t last);

}  // namespace amo::relay
