#include "token-service/ingest/chat_check.h"

#include "core/acl/topic.h"
#include "core/envelope/stamp.h"
#include "core/ids.h"

namespace amo::token_service {

AMO_ENUM_NAME(IngestCheck, AMO_INGEST_CHECK)

namespace {

std::string_view string_member(const envelope::Verdict& v, std::string_view key) {
  std::string_view s;
  if (v.root[key].get(s) != simdjson::SUCCESS) return {};
  return s;
}

bool has_member(const envelope::Verdict& v, std::string_view key) {
  simdjson::dom::element e;
  return v.root[key].get(e) == simdjson::SUCCESS;
}

}  // namespace

bool is_ingested_kind(std::string_view kind) noexcept {
  return kind == "chat.message" || kind == "chat.read";
}

ChatCheck::ChatCheck(const envelope::SchemaSet& schemas) : schemas_(schemas), validator_(schemas, kStampedLimit) {}

std::string_view ChatCheck::from_broker(std::string_view topic, std::string_view payload, std::int64_t now_ms,
                                        InboundChat& out) {
  acl::TopicRef ref;
  if (acl::check_topic_grammar(topic, false) != acl::Status::ok || !acl::parse_topic(topic, ref) ||
      ref.ns != acl::TopicRef::Ns::thread || (ref.tail != "chat" && ref.tail != "read") || !is_valid_id(ref.amo) ||
      !is_valid_id(ref.owner))
    return name(IngestCheck::bad_topic);
  const envelope::Verdict v = validator_.validate(payload, ref.rest);
  if (v.status != envelope::Status::ok) return envelope::name(v.status);
  if (!is_ingested_kind(v.kind)) return name(IngestCheck::kind_not_accepted);
  const std::string_view sender = string_member(v, "sender");
  if (!is_valid_id(sender)) return name(IngestCheck::missing_sender);
  if ((has_member(v, "amo") && string_member(v, "amo") != ref.amo) ||
      (has_member(v, "thread") && string_member(v, "thread") != ref.owner))
    return name(IngestCheck::identity_mismatch);
  return finish(v, ref.amo, sender, ref.owner, now_ms, out);
}

std::string_view ChatCheck::from_client(std::string_view body, std::string_view amo, std::string_view sender,
                                        std::int64_t now_ms, InboundChat& out) {
  const envelope::Verdict v = validator_.validate(body);
  if (v.status != envelope::Status::ok) return envelope::name(v.status);
  if (!is_ingested_kind(v.kind)) return name(IngestCheck::kind_not_accepted);
  const std::string_view thread = string_member(v, "thread");
  if (!is_valid_id(thread)) return name(IngestCheck::missing_thread);
  const std::string suffix = "thread/" + std::string(thread) + (v.kind == "chat.message" ? "/chat" : "/read");
  if (!schemas_.kind_allows_topic(v.kind, suffix)) return envelope::name(envelope::Status::topic_mismatch);
  return finish(v, amo, sender, thread, now_ms, out);
}

std::string_view ChatCheck::finish(const envelope::Verdict& v, std::string_view amo, std::string_view sender,
                                   std::string_view thread, std::int64_t now_ms, InboundChat& out) {
  out.kind.assign(v.kind);
  out.amo.assign(amo);
  out.sender.assign(sender);
  out.thread.assign(thread);
  out.client_msg_id.assign(string_member(v, "client_msg_id"));
  if (!is_valid_client_msg_id(out.client_msg_id)) return envelope::name(envelope::Status::required);
  const envelope::StampInput in{out.amo, out.sender, out.thread, {}, now_ms};
  if (const envelope::Status s = envelope::stamp(v, in, out.envelope); s != envelope::Status::ok)
    return envelope::name(s);
  return {};
}

}  // namespace amo::token_service
