#pragma once
// One realtime_outbox row as the relay reads it (DESIGN §5), before and after its seq.
#include <chrono>
#include <cstdint>
#include <string>

namespace amo::relay {

// What a claim reads of a row that has no seq yet.
struct ClaimedRow {
  std::int64_t id = 0;
  std::string event_id;
  std::string amo_id;
  std::string topic;
  std::string envelope;  // the jsonb column as Postgres writes it
  int partition = 0;
};

// A row with its seq, ready to publish: `body` is the envelope with seq added, as published.
struct Row {
  std::int64_t id = 0;
  std::int64_t seq = 0;
  std::string amo_id;
  std::string topic;
  std::string event_id;
  std::string body;
  int partition = 0;
  int attempts = 0;                   // broker refusals so far
  std::chrono::milliseconds wait{0};  // until next_attempt_at, for a refused row
};

}  // namespace amo::relay
