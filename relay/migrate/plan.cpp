#include "relay/migrate/plan.h"

#include <algorithm>
#include <map>

namespace amo::relay::migration {

namespace {

const Step* find_step(const std::vector<Step>& steps, int version) {
  const auto it = std::find_if(steps.begin(), steps.end(), [&](const Step& s) { return s.version == version; });
  return it == steps.end() ? nullptr : &*it;
}

bool is_applied(const std::vector<Applied>& applied, int version) {
  return std::any_of(applied.begin(), applied.end(), [&](const Applied& a) { return a.version == version; });
}

}  // namespace

std::optional<Problem> check_applied(const std::vector<Step>& steps, const std::vector<Applied>& applied) {
  auto by_version = applied;
  std::sort(by_version.begin(), by_version.end(), [](const Applied& a, const Applied& b) { return a.version < b.version; });
  for (const auto& a : by_version) {
    const Step* step = find_step(steps, a.version);
    if (step == nullptr || step->name != a.name) {
      return Problem{Reason::applied_missing, step_id(a.version, a.name) + ".up.sql"};
    }
    if (step->checksum != a.checksum) return Problem{Reason::checksum_changed, step->up_file()};
  }
  return std::nullopt;
}

std::variant<std::vector<Step>, Problem> plan_up(const std::vector<Step>& steps, const std::vector<Applied>& applied) {
  if (auto problem = check_applied(steps, applied)) return *problem;
  int latest = 0;
  for (const auto& a : applied) latest = std::max(latest, a.version);
  std::vector<Step> pending;
  for (const auto& step : steps) {
    if (is_applied(applied, step.version)) continue;
    // Applying an older step after a newer one would run it against a schema it never saw.
    if (step.version < latest) return Problem{Reason::out_of_order, step.up_file()};
    pending.push_back(step);
  }
  return pending;
}

std::variant<std::optional<Step>, Problem> plan_down(const std::vector<Step>& steps,
                                                     const std::vector<Applied>& applied) {
  if (auto problem = check_applied(steps, applied)) return *problem;
  if (applied.empty()) return std::optional<Step>{};
  const auto latest = std::max_element(applied.begin(), applied.end(),
                                       [](const Applied& a, const Applied& b) { return a.version < b.version; });
  return std::optional<Step>{*find_step(steps, latest->version)};
}

std::vector<std::string> status_lines(const std::vector<Step>& steps, const std::vector<Applied>& applied) {
  std::map<int, std::string> lines;
  for (const auto& step : steps) lines[step.version] = "pending  " + step.id();
  for (const auto& a : applied) lines[a.version] = "applied  " + step_id(a.version, a.name) + "  " + a.applied_at;
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (auto& [version, line] : lines) out.push_back(std::move(line));
  return out;
}

}  // namespace amo::relay::migration
