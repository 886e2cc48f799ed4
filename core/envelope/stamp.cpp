#include "core/envelope/stamp.h"

#include "core/envelope/timestamp.h"
#include "core/envelope/uuid.h"
#include "core/ids.h"
#include "core/json/write.h"

namespace amo::envelope {

Status stamp(const Verdict& valid, const StampInput& in, std::string& out) {
  if (valid.status != Status::ok) return Status::not_validated;
  if (!is_valid_id(in.amo) || !is_valid_id(in.sender) || (!in.thread.empty() && !is_valid_id(in.thread)))
    return Status::bad_identity;
  simdjson::dom::object obj;
  std::string_view kind;
  simdjson::dom::element payload;
  if (valid.root.get(obj) != simdjson::SUCCESS || obj["kind"].get(kind) != simdjson::SUCCESS ||
      obj["payload"].get(payload) != simdjson::SUCCESS)
    return Status::not_validated;
  std::string_view client_msg_id;
  bool has_cmid = obj["client_msg_id"].get(client_msg_id) == simdjson::SUCCESS;
  const bool replay = kind == "replay.request";
  if (replay) {
    for (const std::string& t : in.threads)
      if (!is_valid_id(t)) return Status::bad_identity;
  }

  out.clear();
  out += "{\"v\":1,\"id\":\"";
  if (has_cmid) {
    // Kind and thread are part of the name: one client_msg_id reused for a read receipt or in
    // another thread must not get the id of an envelope already stored.
    const std::string_view name[] = {in.amo, "/", in.sender, "/", kind, "/", in.thread, "/", client_msg_id};
    if (!append_uuid_v5_url(out, name)) return Status::not_validated;
  } else if (!append_uuid_v4(out)) {
    return Status::not_validated;
  }
  out += "\",\"kind\":";
  json::append_string(out, kind);
  out += ",\"amo\":";
  json::append_string(out, in.amo);
  out += ",\"ts\":\"";
  append_ts(out, in.now_ms);
  out += "\",\"sender\":";
  json::append_string(out, in.sender);
  if (!in.thread.empty()) {
    out += ",\"thread\":";
    json::append_string(out, in.thread);
  }
  if (has_cmid) {
    out += ",\"client_msg_id\":";
    json::append_string(out, client_msg_id);
  }
  out += ",\"payload\":";
  json::append_element(out, payload);
  if (replay) {
    out += ",\"threads\":";
    json::append_string_array(out, in.threads);
  }
  out.push_back('}');
  return Status::ok;
}

}  // namespace amo::envelope
