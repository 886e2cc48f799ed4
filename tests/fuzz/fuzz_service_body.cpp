// The token service's request bodies, from arbitrary bytes; the first byte picks the endpoint:
//   even: POST /api/realtime/token, parse_token_request (token-service/issue/token_request.h)
//         with the parser the handler uses (max_body 16 KiB, depth 16). An error is bad_body or
//         too_many_threads with a one-line message, and leaves no threads; too_many_threads only
//         for a JSON object whose `threads` array has more than 128 entries. Accepted: at most
//         128 distinct ids of §2, names_threads exactly when a `threads` member was sent, and
//         {"threads":[…]} written back parses to the same request.
//   odd:  POST /api/realtime/messages, ChatCheck::from_client (token-service/ingest/chat_check.h)
//         for tenant A1, sender u1. An accepted body is chat.message or chat.read naming a valid
//         thread; the stored envelope validates on that thread's chat/read topic under the
//         64 KiB limit, carries the session's amo and sender (never the client's) and the
//         thread, and its id depends on the message only: the same body a second later gets
//         the same id (the dedupe key of DESIGN §7).
#include <string>

#include "core/envelope/schema_set.h"
#include "core/ids.h"
#include "core/json/write.h"
#include "core/token/claims.h"
#include "io/files.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_schemas.h"
#include "token-service/ingest/chat_check.h"
#include "token-service/issue/token_request.h"

using namespace amo;
using namespace amo::token_service;

namespace {

constexpr std::int64_t kNowMs = 1'795'600'800'123;

std::unique_ptr<envelope::SchemaSet> schemas;
ChatCheck* check = nullptr;
envelope::Validator* stored = nullptr;
json::StrictParser* body_parser = nullptr;
json::StrictParser* probe = nullptr;

bool one_line(std::string_view s) { return s.find('\n') == std::string_view::npos; }

// What the request says about `threads`, read independently of parse_token_request.
struct Probe {
  bool object = false, has_threads = false;
  std::size_t array_size = 0;
};

Probe probe_threads(std::string_view body) {
  Probe p;
  simdjson::dom::element root;
  if (probe->parse(body, root) != json::Status::ok) return p;
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) return p;
  p.object = true;
  simdjson::dom::array threads;
  if (obj["threads"].get(threads) == simdjson::SUCCESS) {
    p.has_threads = true;
    p.array_size = threads.size();
  }
  return p;
}

void token_body(std::string_view body) {
  TokenRequest req;
  const auto error = parse_token_request(body, *body_parser, req);
  const Probe p = probe_threads(body);
  if (error) {
    AMO_FUZZ_CHECK(error->refusal == Refusal::bad_body || error->refusal == Refusal::too_many_threads);
    AMO_FUZZ_CHECK(!error->message.empty() && one_line(error->message));
    AMO_FUZZ_CHECK(req.threads.empty() || error->refusal == Refusal::bad_body);
    if (error->refusal == Refusal::too_many_threads)
      AMO_FUZZ_CHECK(p.object && p.has_threads && p.array_size > token::kMaxThreads);
    return;
  }
  AMO_FUZZ_CHECK(req.threads.size() <= token::kMaxThreads);
  AMO_FUZZ_CHECK(req.names_threads == p.has_threads);
  for (std::size_t i = 0; i < req.threads.size(); ++i) {
    AMO_FUZZ_CHECK(is_valid_id(req.threads[i]));
    for (std::size_t j = 0; j < i; ++j) AMO_FUZZ_CHECK(req.threads[i] != req.threads[j]);
  }
  if (!req.names_threads) {
    AMO_FUZZ_CHECK(req.threads.empty());
    return;
  }
  std::string again = "{\"threads\":[";
  for (std::size_t i = 0; i < req.threads.size(); ++i) {
    if (i) again.push_back(',');
    json::append_string(again, req.threads[i]);
  }
  again += "]}";
  TokenRequest back;
  AMO_FUZZ_CHECK(!parse_token_request(again, *body_parser, back));
  AMO_FUZZ_CHECK(back.names_threads && back.threads == req.threads);
}

void messages_body(std::string_view body) {
  InboundChat chat;
  const std::string_view reason = check->from_client(body, "A1", "u1", kNowMs, chat);
  if (!reason.empty()) {
    AMO_FUZZ_CHECK(one_line(reason));
    return;
  }
  AMO_FUZZ_CHECK(is_ingested_kind(chat.kind));
  AMO_FUZZ_CHECK(chat.amo == "A1" && chat.sender == "u1");
  AMO_FUZZ_CHECK(is_valid_id(chat.thread) && is_valid_client_msg_id(chat.client_msg_id));
  const std::string suffix = "thread/" + chat.thread + (chat.kind == "chat.message" ? "/chat" : "/read");
  const envelope::Verdict v = stored->validate(chat.envelope, suffix);
  AMO_FUZZ_CHECK_WHY(v.status == envelope::Status::ok, "stored envelope fails: %s at %s",
                     envelope::name(v.status).data(), std::string(v.pointer).c_str());
  AMO_FUZZ_CHECK(v.kind == chat.kind);
  std::string_view s, id;
  AMO_FUZZ_CHECK(v.root["amo"].get(s) == simdjson::SUCCESS && s == "A1");
  AMO_FUZZ_CHECK(v.root["sender"].get(s) == simdjson::SUCCESS && s == "u1");
  AMO_FUZZ_CHECK(v.root["thread"].get(s) == simdjson::SUCCESS && s == chat.thread);
  AMO_FUZZ_CHECK(v.root["id"].get(id) == simdjson::SUCCESS);
  const std::string first_id(id);

  InboundChat resend;
  AMO_FUZZ_CHECK(check->from_client(body, "A1", "u1", kNowMs + 1000, resend).empty());
  const envelope::Verdict w = stored->validate(resend.envelope, suffix);
  AMO_FUZZ_CHECK(w.status == envelope::Status::ok && w.root["id"].get(id) == simdjson::SUCCESS);
  AMO_FUZZ_CHECK(id == first_id);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  schemas = amo::fuzz::schemas_or_abort();
  check = new ChatCheck(*schemas);
  stored = new envelope::Validator(*schemas, ChatCheck::kStampedLimit);
  body_parser = new json::StrictParser(16384, 16);  // issue_token.cpp's, with max_body's default
  probe = new json::StrictParser(16384, 16);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body = fuzz::bytes(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    token_body(body);
  } else {
    messages_body(body);
  }
  return 0;
}
