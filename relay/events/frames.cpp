#include "relay/events/frames.h"

#include <chrono>

#include "core/envelope/timestamp.h"
#include "core/envelope/uuid.h"
#include "core/json/write.h"

namespace amo::relay {
namespace {

std::string envelope_head(std::string_view kind, std::string_view amo) {
  std::string out = "{\"v\":1,\"id\":\"";
  envelope::append_uuid_v4(out);
  out += "\",\"kind\":";
  json::append_string(out, kind);
  out += ",\"amo\":";
  json::append_string(out, amo);
  out += ",\"ts\":\"";
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  envelope::append_ts(out, std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  out += "\",\"payload\":";
  return out;
}

}  // namespace

std::string sse_retry() {
  return "retry: " + std::to_string(kSseRetryMs) + "\n\n";
}

std::string sse_event(std::int64_t seq, std::string_view kind, std::string_view data) {
  std::string out;
  out.reserve(data.size() + kind.size() + 40);
  out += "id: ";
  out += std::to_string(seq);
  out += "\nevent: ";
  out += kind;
  out += "\ndata: ";
  out += data;  // one line: envelopes are JSON text without raw newlines
  out += "\n\n";
  return out;
}

std::string sse_heartbeat() {
  return ":\n\n";
}

std::string reset_envelope(std::string_view amo, std::int64_t latest, std::string_view reason) {
  std::string out = envelope_head("reset", amo);
  out += "{\"reason\":";
  json::append_string(out, reason.substr(0, 200));
  out += ",\"latest\":" + std::to_string(latest) + "}}";
  return out;
}

std::string replay_done_envelope(std::string_view amo, std::int64_t last) {
  std::string out = envelope_head("replay.done", amo);
  out += "{\"last\":" + std::to_string(last) + "}}";
  return out;
}

}  // namespace amo::relay
