// The relay's row check (relay/drain/row_check.h): what gets a seq and what is dead-lettered.
#include <doctest/doctest.h>

#include "core/envelope/schema_set.h"
#include "io/files.h"
#include "relay/drain/row_check.h"

using namespace amo;
using namespace amo::relay;

namespace {

const envelope::SchemaSet& schemas() {
  static auto loaded = envelope::load_schemas(io::read_schema_dir(AMO_SOURCE_DIR "/schemas"));
  return *loaded.set;
}

constexpr const char* kId = "0b3f6a52-55f4-4a8e-9d0e-5d1d6c1f8a11";

ClaimedRow row(std::string topic, std::string envelope) {
  return ClaimedRow{1, kId, "A1", std::move(topic), std::move(envelope), 0};
}

std::string notification(const std::string& extra = "") {
  // As Postgres writes jsonb: spaces after ':' and ','.
  return std::string("{\"v\": 1, \"id\": \"") + kId +
         "\", \"ts\": \"2026-11-29T10:00:00.000Z\", \"amo\": \"A1\", \"kind\": \"notification\"" + extra +
         ", \"payload\": {\"body\": \"b\", \"level\": \"info\", \"title\": \"t\"}}";
}

}  // namespace

TEST_CASE("a valid row comes back compact; with_seq adds the seq") {
  auto v = make_row_validator(schemas());
  const auto verdict = check_row(v, row("amo/A1/broadcast/events", notification()));
  REQUIRE(verdict.error.empty());
  CHECK(verdict.compact.find(' ') == std::string::npos);
  CHECK(with_seq(verdict.compact, 42).ends_with(",\"seq\":42}"));
  CHECK(with_seq(verdict.compact, 42).starts_with("{\"v\":1,"));
}

TEST_CASE("a thread topic needs the same thread in the envelope, and only a thread topic has one") {
  auto v = make_row_validator(schemas());
  const std::string entity = std::string("{\"v\":1,\"id\":\"") + kId +
                             "\",\"ts\":\"2026-11-29T10:00:00.000Z\",\"amo\":\"A1\",\"kind\":\"entity.changed\"";
  const std::string payload = ",\"payload\":{\"entity\":\"wo\",\"entity_id\":\"1\",\"action\":\"created\"}}";
  CHECK(check_row(v, row("amo/A1/thread/T1/events", entity + ",\"thread\":\"T1\"" + payload)).error.empty());
  CHECK(check_row(v, row("amo/A1/thread/T1/events", entity + ",\"thread\":\"T2\"" + payload)).error ==
        "envelope: thread differs from the topic");
  CHECK(check_row(v, row("amo/A1/thread/T1/events", entity + payload)).error ==
        "envelope: thread differs from the topic");
  CHECK(check_row(v, row("amo/A1/user/u1/events", entity + ",\"thread\":\"T1\"" + payload)).error ==
        "envelope: thread on a topic without one");
}

TEST_CASE("every refusal names its reason") {
  auto v = make_row_validator(schemas());
  CHECK(check_row(v, row("amo/A2/broadcast/events", notification())).error == "topic: outside amo/{amo_id}/");
  CHECK(check_row(v, row("amo/A1broadcast/events", notification())).error == "topic: outside amo/{amo_id}/");
  CHECK(check_row(v, row("amo/A1/user/+/events", notification())).error.starts_with("envelope: topic_mismatch"));
  CHECK(check_row(v, row("amo/A1/thread/T1/chat", notification())).error == "topic: not an outbound .../events topic");
  CHECK(check_row(v, row("amo/A1/broadcast/events", "{\"v\": 1}")).error.starts_with("envelope: required"));
  CHECK(check_row(v, row("amo/A1/broadcast/events", "not json")).error.starts_with("envelope: not_json"));
  CHECK(check_row(v, row("amo/A1/broadcast/events", notification(", \"seq\": 3"))).error ==
        "envelope: seq is assigned by the relay");
  auto other_id = row("amo/A1/broadcast/events", notification());
  other_id.event_id = "1b3f6a52-55f4-4a8e-9d0e-5d1d6c1f8a11";
  CHECK(check_row(v, other_id).error == "envelope: id differs from event_id");
  auto upper = row("amo/A1/broadcast/events", notification());
  upper.event_id = "0B3F6A52-55F4-4A8E-9D0E-5D1D6C1F8A11";
  CHECK(check_row(v, upper).error.empty());  // the same UUID
  auto other_amo = row("amo/A1/broadcast/events", notification());
  other_amo.amo_id = "A2";
  other_amo.topic = "amo/A2/broadcast/events";
  CHECK(check_row(v, other_amo).error == "envelope: amo differs from amo_id");
  std::string no_ts = notification();
  no_ts.erase(no_ts.find("\"ts\""), std::string("\"ts\": \"2026-11-29T10:00:00.000Z\", ").size());
  CHECK(check_row(v, row("amo/A1/broadcast/events", no_ts)).error == "envelope: ts missing");
  const std::string huge =
      notification().replace(notification().find("\"b\""), 3, "\"" + std::string(300000, 'x') + "\"");
  CHECK(check_row(v, row("amo/A1/broadcast/events", huge)).error.starts_with("envelope: too_large"));
}
