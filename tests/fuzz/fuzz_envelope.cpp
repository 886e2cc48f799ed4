// Validator (the real schemas/, loaded once) on arbitrary bytes. Invariants:
// - an ok envelope of an inbound kind (sent by a user) stamps ok; the stamped envelope
//   validates ok again, on the kind's first x-topic too, and carries the server's amo/sender;
// - a failure that is not parse-level names where: a JSON pointer that resolves in the
//   document (for `required`, its parent does); only a non-object document fails at "".
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/envelope/schema_set.h"
#include "core/envelope/stamp.h"
#include "core/envelope/validate.h"
#include "io/files.h"
#include "tests/fuzz/fuzz_check.h"

using namespace amo::envelope;

namespace {

std::unique_ptr<SchemaSet> schemas;
Validator* validator = nullptr;
Validator* recheck = nullptr;

bool parse_level(Status s) {
  switch (s) {
    case Status::too_large:
    case Status::not_json:
    case Status::not_utf8:
    case Status::bad_string:
    case Status::bad_number:
    case Status::too_deep:
    case Status::duplicate_key: return true;
    default: return false;
  }
}

bool inbound(std::string_view kind) {
  return kind == "chat.message" || kind == "chat.read" || kind == "chat.typing" || kind == "replay.request";
}

// "thread/{t}/chat" → "thread/T1/chat": every placeholder is one level holding a valid id.
std::string concrete(std::string_view pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') { out.push_back(pattern[i]); continue; }
    out += pattern.substr(i + 1, 2) == "t}" ? "T1" : "u1";
    i = pattern.find('}', i);
  }
  return out;
}

void check_pointer(const Verdict& v) {
  if (v.pointer.empty()) {
    AMO_FUZZ_CHECK_WHY(v.status == Status::type && !v.root.is_object(), "status %s with pointer \"\"",
                       name(v.status).data());
    return;
  }
  AMO_FUZZ_CHECK(v.pointer[0] == '/');
  std::string_view where = v.pointer;
  if (v.status == Status::required) where = where.substr(0, where.rfind('/'));
  AMO_FUZZ_CHECK(where.empty() || v.root.at_pointer(where).error() == simdjson::SUCCESS);
}

void check_stamp(std::string_view input, const Verdict& v) {
  const std::string kind(v.kind);
  const bool chat = kind != "replay.request";
  const std::vector<std::string> threads{"T1", "T2"};
  const StampInput in{"A1", "u1", chat ? "T1" : "", threads, 1'795'600'800'123};
  std::string out;
  AMO_FUZZ_CHECK(stamp(v, in, out) == Status::ok);

  Verdict again = recheck->validate(out);
  AMO_FUZZ_CHECK(again.status == Status::ok);
  AMO_FUZZ_CHECK(again.kind == kind);
  std::string_view amo, sender;
  AMO_FUZZ_CHECK(again.root["amo"].get(amo) == simdjson::SUCCESS && amo == "A1");
  AMO_FUZZ_CHECK(again.root["sender"].get(sender) == simdjson::SUCCESS && sender == "u1");
  AMO_FUZZ_CHECK(again.root["seq"].error() == simdjson::NO_SUCH_FIELD);

  const auto topics = schemas->topics(kind);
  AMO_FUZZ_CHECK(!topics.empty());
  const std::string topic = concrete(topics[0]);
  AMO_FUZZ_CHECK(recheck->validate(out, topic).status == Status::ok);
  AMO_FUZZ_CHECK(recheck->validate(input, topic).status == Status::ok);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  LoadResult r = load_schemas(amo::io::read_schema_dir(AMO_SOURCE_DIR "/schemas"));
  if (r.status != Status::ok) {
    std::fprintf(stderr, "schemas/ did not load: %s\n", r.error.c_str());
    std::abort();
  }
  schemas = std::move(r.set);
  validator = new Validator(*schemas);  // the plugin's limits: 16 KiB, depth 16
  // Stamping adds fields, so a client envelope near the limit stamps to more than 16 KiB.
  recheck = new Validator(*schemas, 4 * 16384);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view input = amo::fuzz::bytes(data, size);
  const Verdict v = validator->validate(input);
  if (v.status == Status::ok) {
    AMO_FUZZ_CHECK(v.pointer.empty());
    if (inbound(v.kind)) check_stamp(input, v);
    return 0;
  }
  if (!parse_level(v.status)) check_pointer(v);
  return 0;
}
