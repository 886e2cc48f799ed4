#pragma once
// One inbound chat message or read receipt, checked and stamped before it is stored (DESIGN
// §7): from the broker (the plugin already validated and stamped it; the ingest validates
// again, with the 64 KiB limit of stamped envelopes) or from POST /api/realtime/messages (a
// client envelope with `thread`). Both end in core's stamp(), so a message gets the same
// envelope id whichever way it came, and the same id on every resend.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/enum_list.h"
#include "core/envelope/validate.h"

namespace amo::token_service {

// The ingest's own reasons to drop a message (the last two: the database refused it alone, or
// was gone at shutdown); a failed validation or stamp gives the envelope status instead
// (core/envelope/status.h), so a drop reason is a name of either list.
#define AMO_INGEST_CHECK(X) \
  X(ok)                     \
  X(bad_topic)              \
  X(kind_not_accepted)      \
  X(missing_thread)         \
  X(missing_sender)         \
  X(identity_mismatch)      \
  X(db_error)               \
  X(db_unavailable)

AMO_ENUM(IngestCheck, AMO_INGEST_CHECK)

struct InboundChat {
  std::string kind;  // chat.message or chat.read
  std::string amo, thread, sender, client_msg_id;
  std::string envelope;  // the stamped envelope that is stored and fanned out
};

class ChatCheck {
 public:
  static constexpr std::size_t kStampedLimit = 64 * 1024;

  explicit ChatCheck(const envelope::SchemaSet& schemas);

  // A message from amo/{amo}/thread/{t}/chat or …/read. `sender` comes from the plugin's
  // stamp, `amo` and `thread` from the topic (a stamped value that disagrees is
  // identity_mismatch). "" when `out` is ready; otherwise the reason it is dropped.
  std::string_view from_broker(std::string_view topic, std::string_view payload, std::int64_t now_ms, InboundChat& out);
  // A client envelope naming its `thread`, sent by `sender` of tenant `amo` (the session's).
  std::string_view from_client(std::string_view body, std::string_view amo, std::string_view sender,
                               std::int64_t now_ms, InboundChat& out);

 private:
  std::string_view finish(const envelope::Verdict& v, std::string_view amo, std::string_view sender,
                          std::string_view thread, std::int64_t now_ms, InboundChat& out);

  const envelope::SchemaSet& schemas_;
  envelope::Validator validator_;
};

bool is_ingested_kind(std::string_view kind) noexcept;

}  // namespace amo::token_service
