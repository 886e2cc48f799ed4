#include "relay/drain/row_check.h"

#include <algorithm>
#include <cctype>

#include "core/json/write.h"

namespace amo::relay {
namespace {

// Postgres's jsonb text puts a space after every ':' and ','; four times the limit leaves
// room for that and refuses a row that could never fit without parsing all of it.
constexpr std::size_t kMaxStoredEnvelope = 4 * kMaxStampedEnvelope;
// ,"seq": and the longest bigint.
constexpr std::size_t kSeqRoom = 7 + 19;

bool same_uuid(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The thread level of a suffix "thread/<t>/...", or empty.
std::string_view thread_of(std::string_view suffix) {
  constexpr std::string_view kThread = "thread/";
  if (!suffix.starts_with(kThread)) return {};
  suffix.remove_prefix(kThread.size());
  return suffix.substr(0, suffix.find('/'));
}

RowVerdict refuse(std::string error) {
  return {std::move(error), {}};
}

}  // namespace

envelope::Validator make_row_validator(const envelope::SchemaSet& schemas) {
  return envelope::Validator(schemas, kMaxStoredEnvelope);
}

RowVerdict check_row(envelope::Validator& validator, const ClaimedRow& row) {
  const std::string prefix = "amo/" + row.amo_id + "/";
  if (!row.topic.starts_with(prefix)) return refuse("topic: outside amo/{amo_id}/");
  const std::string_view suffix = std::string_view(row.topic).substr(prefix.size());
  // The outbox feeds subscribers: an inbound topic (chat, read, typing, cmd/replay) would
  // reach the ingest or a relay as if a user had sent it.
  if (!suffix.ends_with("/events")) return refuse("topic: not an outbound .../events topic");

  const envelope::Verdict verdict = validator.validate(row.envelope, suffix);
  if (verdict.status != envelope::Status::ok) {
    std::string error = "envelope: " + std::string(name(verdict.status));
    // The pointer holds the envelope's own keys (a newline among them): quoted and escaped, so
    // the reason stays one line.
    if (!verdict.pointer.empty()) {
      error += " at ";
      json::append_string(error, verdict.pointer);
    }
    return refuse(std::move(error));
  }
  simdjson::dom::object obj;
  if (verdict.root.get(obj) != simdjson::SUCCESS) return refuse("envelope: type");
  std::string_view text;
  if (obj["seq"].error() == simdjson::SUCCESS) return refuse("envelope: seq is assigned by the relay");
  if (obj["id"].get(text) != simdjson::SUCCESS) return refuse("envelope: id missing");
  if (!same_uuid(text, row.event_id)) return refuse("envelope: id differs from event_id");
  if (obj["amo"].get(text) != simdjson::SUCCESS) return refuse("envelope: amo missing");
  if (text != row.amo_id) return refuse("envelope: amo differs from amo_id");
  if (obj["ts"].error() != simdjson::SUCCESS) return refuse("envelope: ts missing");
  const std::string_view thread = thread_of(suffix);
  const bool has_thread = obj["thread"].get(text) == simdjson::SUCCESS;
  if (!thread.empty() && (!has_thread || text != thread)) return refuse("envelope: thread differs from the topic");
  if (thread.empty() && obj["thread"].error() == simdjson::SUCCESS)
    return refuse("envelope: thread on a topic without one");

  RowVerdict ok;
  ok.compact.reserve(row.envelope.size() + kSeqRoom);
  json::append_element(ok.compact, verdict.root);
  if (ok.compact.size() + kSeqRoom > kMaxStampedEnvelope)
    return refuse("envelope: too_large (" + std::to_string(ok.compact.size()) + " bytes compact, limit " +
                  std::to_string(kMaxStampedEnvelope) + " with seq)");
  return ok;
}

std::string with_seq(std::string_view compact, std::int64_t seq) {
  std::string out;
  out.reserve(compact.size() + kSeqRoom);
  out.append(compact.substr(0, compact.size() - 1));
  out += ",\"seq\":";
  out += std::to_string(seq);
  out.push_back('}');
  return out;
}

}  // namespace amo::relay
