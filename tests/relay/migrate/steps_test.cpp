// The migrations directory as steps (relay/migrate/steps.h): pairs, numbers, stray files.
#include <doctest/doctest.h>

#include <filesystem>
#include <variant>

#include "relay/migrate/steps.h"

using namespace amo::relay::migration;

namespace {

std::vector<Step> steps_of(std::vector<std::string> files) {
  auto listing = parse_listing(std::move(files));
  REQUIRE(std::holds_alternative<std::vector<Step>>(listing));
  return std::get<std::vector<Step>>(listing);
}

Problem problem_of(std::vector<std::string> files) {
  auto listing = parse_listing(std::move(files));
  REQUIRE(std::holds_alternative<Problem>(listing));
  return std::get<Problem>(listing);
}

}  // namespace

TEST_CASE("pairs become steps ordered by number, whatever the listing order") {
  const auto steps = steps_of({"0010_late.down.sql", "0002_emit.up.sql", "0001_outbox.down.sql", "0010_late.up.sql",
                               "0001_outbox.up.sql", "0002_emit.down.sql"});
  REQUIRE(steps.size() == 3);
  CHECK(steps[0].version == 1);
  CHECK(steps[0].name == "outbox");
  CHECK(steps[0].id() == "0001_outbox");
  CHECK(steps[0].up_file() == "0001_outbox.up.sql");
  CHECK(steps[0].down_file() == "0001_outbox.down.sql");
  CHECK(steps[1].id() == "0002_emit");
  CHECK(steps[2].id() == "0010_late");
  CHECK(steps[2].version == 10);
}

TEST_CASE("an empty directory has no steps") {
  CHECK(steps_of({}).empty());
}

TEST_CASE("an up file without its down file is refused naming the missing file") {
  const auto p = problem_of({"0001_outbox.up.sql", "0001_outbox.down.sql", "0002_emit.up.sql"});
  CHECK(p.reason == Reason::down_missing);
  CHECK(p.file == "0002_emit.down.sql");
  CHECK(p.line().starts_with("0002_emit.down.sql: is missing"));
}

TEST_CASE("a down file without its up file is refused naming the missing file") {
  const auto p = problem_of({"0003_chat.down.sql"});
  CHECK(p.reason == Reason::up_missing);
  CHECK(p.file == "0003_chat.up.sql");
}

TEST_CASE("halves whose names differ are two broken pairs, not one step") {
  const auto p = problem_of({"0001_outbox.up.sql", "0001_outbx.down.sql"});
  CHECK(p.reason == Reason::down_missing);
  CHECK(p.file == "0001_outbox.down.sql");
}

TEST_CASE("two steps sharing a number are refused") {
  const auto p = problem_of({"0001_a.up.sql", "0001_a.down.sql", "0001_b.up.sql", "0001_b.down.sql"});
  CHECK(p.reason == Reason::duplicate_number);
  CHECK(p.file == "0001_b.up.sql");
}

TEST_CASE("anything that is not a step file is refused naming it") {
  for (const std::string stray : {"README.md", ".gitkeep", "0001_outbox.sql", "001_outbox.up.sql", "00001_x.up.sql",
                                  "0001_Outbox.up.sql", "0001-outbox.up.sql", "0001_.up.sql", "0001_out.box.up.sql",
                                  "0001_outbox.up.sql~", "abcd_outbox.up.sql", "0001_outbox.UP.sql", "sub"}) {
    CAPTURE(stray);
    const auto p = problem_of({"0001_outbox.up.sql", "0001_outbox.down.sql", stray});
    CHECK(p.reason == Reason::not_a_step);
    CHECK(p.file == stray);
    CHECK(p.line().starts_with(stray + ": "));
  }
}

TEST_CASE("the real deploy/migrations directory parses, numbered 1, 2, 3… with no gap") {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(std::string(AMO_SOURCE_DIR) + "/deploy/migrations")) {
    names.push_back(e.path().filename());
  }
  const auto steps = steps_of(names);
  REQUIRE(!steps.empty());
  for (std::size_t i = 0; i < steps.size(); ++i) CHECK(steps[i].version == static_cast<int>(i) + 1);
}
