#pragma once
// The relay's check of an outbox row before it gets a seq (DESIGN §5): the topic lies under
// amo/{amo_id}/ and is an outbound …/events topic, the envelope passes the schema for a kind that may travel on that
// topic, its id is the row's event_id and its amo the row's amo_id, a thread topic's envelope names that thread, it
// carries no seq of its own, and with seq added it fits in 64 KiB. A row that fails gets the one-line reason it is
// dead-lettered with; a row that passes gets its compact envelope, to which with_seq() adds the seq. Pure: no I/O.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/envelope/validate.h"
#include "relay/drain/outbox_row.h"

namespace amo::relay {

// The largest stamped envelope the relay publishes (DESIGN §3: the relay validates stamped
// envelopes itself with a 64 KiB limit).
inline constexpr std::size_t kMaxStampedEnvelope = 65536;

struct RowVerdict {
  std::string error;    // empty: the row is valid
  std::string compact;  // the envelope as compact JSON, without seq (valid rows only)
};

// `validator` must allow more than kMaxStampedEnvelope bytes (Postgres's jsonb text has
// spaces the compact form drops); make_row_validator() builds one.
envelope::Validator make_row_validator(const envelope::SchemaSet& schemas);
RowVerdict check_row(envelope::Validator& validator, const ClaimedRow& row);

// compact with ,"seq":<seq> before its closing brace.
std::string with_seq(std::string_view compact, std::int64_t seq);

}  // namespace amo::relay
