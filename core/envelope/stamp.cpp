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

  std::string id;
  if (has_cmid) {
    std::string name;
    name.reserve(in.amo.size() + in.sender.size() + client_msg_id.size() + 2);
    name.append(in.amo).append("/").append(in.sender).append("/").append(client_msg_id);
    id = uuid_v5_url(name);
  } else {
    id = uuid_v4();
  }
  if (id.empty()) return Status::not_validated;

  out.clear();
  out += "{\"v\":1,\"id\":";
  json::append_string(out, id);
  out += ",\"kind\":";
  json::append_string(out, kind);
  out += ",\"amo\":";
  json::append_string(out, in.amo);
  out += ",\"ts\":";
  json::append_string(out, format_ts(in.now_ms));
  out += ",\"sender\":";
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
  out += simdjson::minify(payload);
  if (replay) {
    out += ",\"threads\":[";
    for (std::size_t i = 0; i < in.threads.size(); ++i) {
      if (i) out.push_back(',');
      json::append_string(out, in.threads[i]);
    }
    out.push_back(']');
  }
  out.push_back('}');
  return Status::ok;
}

}  // namespace amo::envelope
