// check_row (relay/drain/row_check.h) on an outbox row as the relay reads it, from arbitrary
// bytes: `event_id \n amo_id \n topic \n envelope` (a missing line is empty). Invariants:
// - a refused row has a one-line reason and no compact envelope;
// - an accepted row's topic is amo/{amo_id}/…/events, a concrete topic (MQTT grammar, no
//   wildcard), amo_id an id of §2; a thread topic's envelope names that thread, other topics'
//   name none;
// - its compact envelope is one JSON object without seq, whose id is event_id (case aside)
//   and whose amo is amo_id; with_seq(compact, any seq) fits in 64 KiB and validates again,
//   with the same kind, on the topic, under the 64 KiB limit that subscribers' checks use.
#include <cctype>
#include <cinttypes>
#include <string>

#include "core/acl/topic.h"
#include "core/envelope/schema_set.h"
#include "core/envelope/validate.h"
#include "core/ids.h"
#include "io/files.h"
#include "relay/drain/row_check.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_schemas.h"

using namespace amo;
using namespace amo::relay;

namespace {

std::unique_ptr<envelope::SchemaSet> schemas;
envelope::Validator* rows = nullptr;       // the drain's: 256 KiB of jsonb text
envelope::Validator* published = nullptr;  // a subscriber's view of the published body

std::string_view next_line(std::string_view& rest) {
  const std::size_t nl = rest.find('\n');
  const std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  return line;
}

bool same_uuid(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

void check_accepted(const ClaimedRow& row, const RowVerdict& v) {
  const std::string prefix = "amo/" + row.amo_id + "/";
  AMO_FUZZ_CHECK(row.topic.starts_with(prefix) && row.topic.ends_with("/events"));
  AMO_FUZZ_CHECK(is_valid_id(row.amo_id));
  AMO_FUZZ_CHECK(acl::check_topic_grammar(row.topic, false) == acl::Status::ok);
  const std::string_view suffix = std::string_view(row.topic).substr(prefix.size());

  for (const std::int64_t seq : {std::int64_t{0}, std::int64_t{9'223'372'036'854'775'807}}) {
    const std::string body = with_seq(v.compact, seq);
    AMO_FUZZ_CHECK_WHY(body.size() <= kMaxStampedEnvelope, "published body of %zu bytes", body.size());
    const envelope::Verdict again = published->validate(body, suffix);
    AMO_FUZZ_CHECK_WHY(again.status == envelope::Status::ok, "published body fails: %s at %s",
                       envelope::name(again.status).data(), std::string(again.pointer).c_str());
    simdjson::dom::object obj;
    AMO_FUZZ_CHECK(again.root.get(obj) == simdjson::SUCCESS);
    std::int64_t got = -1;
    AMO_FUZZ_CHECK(obj["seq"].get(got) == simdjson::SUCCESS && got == seq);
    std::string_view text;
    AMO_FUZZ_CHECK(obj["id"].get(text) == simdjson::SUCCESS && same_uuid(text, row.event_id));
    AMO_FUZZ_CHECK(obj["amo"].get(text) == simdjson::SUCCESS && text == row.amo_id);
    const bool has_thread = obj["thread"].get(text) == simdjson::SUCCESS;
    if (suffix.starts_with("thread/")) {
      const std::string_view t = suffix.substr(7, suffix.find('/', 7) - 7);
      AMO_FUZZ_CHECK(has_thread && text == t);
    } else {
      AMO_FUZZ_CHECK(obj["thread"].error() == simdjson::NO_SUCH_FIELD);
    }
  }
  // The compact form itself carries no seq: the relay's is the only one.
  const envelope::Verdict compact = published->validate(v.compact, suffix);
  AMO_FUZZ_CHECK(compact.status == envelope::Status::ok && compact.root["seq"].error() == simdjson::NO_SUCH_FIELD);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  schemas = amo::fuzz::schemas_or_abort();
  rows = new envelope::Validator(make_row_validator(*schemas));
  published = new envelope::Validator(*schemas, kMaxStampedEnvelope);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  std::string_view rest = fuzz::bytes(data, size);
  ClaimedRow row;
  row.id = 1;
  row.event_id = next_line(rest);
  row.amo_id = next_line(rest);
  row.topic = next_line(rest);
  row.envelope = rest;
  const RowVerdict v = check_row(*rows, row);
  if (!v.error.empty()) {
    AMO_FUZZ_CHECK(v.compact.empty());
    AMO_FUZZ_CHECK(v.error.find('\n') == std::string::npos);
    return 0;
  }
  check_accepted(row, v);
  return 0;
}
