#pragma once
// Inbound stamping (DESIGN §3 MESSAGE): from a valid client envelope and the verified
// identity, the server envelope. Server-only fields always come from the server.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/envelope/status.h"
#include "core/envelope/validate.h"

namespace amo::envelope {

struct StampInput {
  std::string_view amo;
  std::string_view sender;
  std::string_view thread;  // empty if none
  std::span<const std::string> threads;  // stamped only for replay.request
  std::int64_t now_ms = 0;
};

// Writes (replacing out) {v, id, kind, amo, ts, sender, thread, client_msg_id, payload
// [, threads for replay.request]}. Client-sent id/ts/sender/amo/thread/seq/threads are dropped;
// id = UUIDv5 of "<amo>/<sender>/<kind>/<thread>/<client_msg_id>" (thread empty outside a
// thread topic) when there is a client_msg_id, else UUIDv4.
// valid must be an ok Verdict from the validator, still current (no validate() since).
Status stamp(const Verdict& valid, const StampInput& in, std::string& out);

}  // namespace amo::envelope
