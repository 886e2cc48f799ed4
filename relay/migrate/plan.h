#pragma once
// Pure: what `migrate up|down|status` does, from the steps on disk and the rows of
// realtime_schema_migrations. Every refusal is decided here, before anything is applied.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "relay/migrate/problem.h"
#include "relay/migrate/steps.h"

namespace amo::relay::migration {

// One row of realtime_schema_migrations.
struct Applied {
  int version = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;  // as status prints it
};

// Every applied step must still be on disk (same number and name) with the checksum it was
// applied with: otherwise the database's history is no longer the directory's.
std::optional<Problem> check_applied(const std::vector<Step>& steps, const std::vector<Applied>& applied);

// The steps `up` applies, in order (empty: nothing to apply).
std::variant<std::vector<Step>, Problem> plan_up(const std::vector<Step>& steps, const std::vector<Applied>& applied);

// The step `down` undoes: the latest applied one (nullopt: nothing applied).
std::variant<std::optional<Step>, Problem> plan_down(const std::vector<Step>& steps,
                                                     const std::vector<Applied>& applied);

// One line per step on disk or applied, by number: "applied  NNNN_name  <applied_at>" or
// "pending  NNNN_name".
std::vector<std::string> status_lines(const std::vector<Step>& steps, const std::vector<Applied>& applied);

}  // namespace amo::relay::migration
