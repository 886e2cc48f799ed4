// What up / down / status decide from the steps on disk and realtime_schema_migrations
// (relay/migrate/plan.h), and the checksum they compare.
#include <doctest/doctest.h>

#include <variant>

#include "relay/migrate/checksum.h"
#include "relay/migrate/plan.h"

using namespace amo::relay::migration;

namespace {

Step step(int version, std::string name, std::string checksum = "c") {
  return Step{version, std::move(name), std::move(checksum)};
}

Applied applied(int version, std::string name, std::string checksum = "c") {
  return Applied{version, std::move(name), std::move(checksum), "2026-01-02T03:04:05Z"};
}

std::vector<std::string> ids(const std::vector<Step>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps) out.push_back(s.id());
  return out;
}

const std::vector<Step> kDisk = {step(1, "outbox"), step(2, "emit"), step(3, "users")};

}  // namespace

TEST_CASE("up on an empty database applies every step in order") {
  const auto plan = plan_up(kDisk, {});
  REQUIRE(std::holds_alternative<std::vector<Step>>(plan));
  CHECK(ids(std::get<std::vector<Step>>(plan)) == std::vector<std::string>{"0001_outbox", "0002_emit", "0003_users"});
}

TEST_CASE("up applies only what is pending, and nothing when all is applied") {
  auto plan = plan_up(kDisk, {applied(1, "outbox")});
  CHECK(ids(std::get<std::vector<Step>>(plan)) == std::vector<std::string>{"0002_emit", "0003_users"});
  plan = plan_up(kDisk, {applied(3, "users"), applied(1, "outbox"), applied(2, "emit")});
  CHECK(std::get<std::vector<Step>>(plan).empty());
}

TEST_CASE("an applied step whose up file changed is refused, by up, down and status alike") {
  const std::vector<Applied> db = {applied(1, "outbox"), applied(2, "emit", "old")};
  const auto up = plan_up(kDisk, db);
  REQUIRE(std::holds_alternative<Problem>(up));
  CHECK(std::get<Problem>(up).reason == Reason::checksum_changed);
  CHECK(std::get<Problem>(up).file == "0002_emit.up.sql");
  CHECK(std::holds_alternative<Problem>(plan_down(kDisk, db)));
  CHECK(check_applied(kDisk, db).has_value());
}

TEST_CASE("an applied step missing from disk, or renamed, is refused") {
  auto up = plan_up(kDisk, {applied(1, "outbox"), applied(4, "leases")});
  REQUIRE(std::holds_alternative<Problem>(up));
  CHECK(std::get<Problem>(up).reason == Reason::applied_missing);
  CHECK(std::get<Problem>(up).file == "0004_leases.up.sql");
  up = plan_up(kDisk, {applied(1, "outbx")});
  REQUIRE(std::holds_alternative<Problem>(up));
  CHECK(std::get<Problem>(up).reason == Reason::applied_missing);
  CHECK(std::get<Problem>(up).file == "0001_outbx.up.sql");
}

TEST_CASE("a pending step numbered below an applied one is refused, not applied late") {
  const auto up = plan_up(kDisk, {applied(1, "outbox"), applied(3, "users")});
  REQUIRE(std::holds_alternative<Problem>(up));
  CHECK(std::get<Problem>(up).reason == Reason::out_of_order);
  CHECK(std::get<Problem>(up).file == "0002_emit.up.sql");
}

TEST_CASE("down undoes the latest applied step only") {
  auto down = plan_down(kDisk, {applied(2, "emit"), applied(1, "outbox")});
  REQUIRE(std::holds_alternative<std::optional<Step>>(down));
  REQUIRE(std::get<std::optional<Step>>(down).has_value());
  CHECK(std::get<std::optional<Step>>(down)->id() == "0002_emit");
  down = plan_down(kDisk, {});
  CHECK_FALSE(std::get<std::optional<Step>>(down).has_value());
}

TEST_CASE("status lists applied and pending steps by number") {
  CHECK(status_lines(kDisk, {applied(2, "emit"), applied(1, "outbox")}) ==
        std::vector<std::string>{"applied  0001_outbox  2026-01-02T03:04:05Z",
                                 "applied  0002_emit  2026-01-02T03:04:05Z", "pending  0003_users"});
  // An applied step gone from disk still shows: status is where one looks for it.
  CHECK(status_lines({}, {applied(7, "gone")}) == std::vector<std::string>{"applied  0007_gone  2026-01-02T03:04:05Z"});
}

TEST_CASE("every reason has its own message") {
  const Reason all[] = {Reason::not_a_step,       Reason::down_missing,    Reason::up_missing,
                        Reason::duplicate_number, Reason::applied_missing, Reason::checksum_changed,
                        Reason::out_of_order};
  for (auto a : all) {
    CHECK(!message(a).empty());
    for (auto b : all) {
      if (a != b) CHECK(message(a) != message(b));
    }
  }
}

TEST_CASE("the checksum is SHA-256 in lower-case hex") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
