#include "relay/migrate/steps.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

namespace amo::relay::migration {

namespace {

constexpr std::string_view kUp = ".up.sql";
constexpr std::string_view kDown = ".down.sql";

struct FileName {
  int version = 0;
  std::string name;
  bool up = false;
};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// NNNN_name.up.sql / NNNN_name.down.sql, name non-empty in [a-z0-9_].
std::optional<FileName> parse_file_name(std::string_view file) {
  FileName parsed;
  std::string_view rest;
  if (file.ends_with(kUp)) {
    parsed.up = true;
    rest = file.substr(0, file.size() - kUp.size());
  } else if (file.ends_with(kDown)) {
    rest = file.substr(0, file.size() - kDown.size());
  } else {
    return std::nullopt;
  }
  if (rest.size() < 6 || rest[4] != '_') return std::nullopt;
  for (std::size_t i = 0; i < 4; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return std::nullopt;
    parsed.version = parsed.version * 10 + (rest[i] - '0');
  }
  const std::string_view name = rest.substr(5);
  if (!std::all_of(name.begin(), name.end(), is_name_char)) return std::nullopt;
  parsed.name = std::string(name);
  return parsed;
}

}  // namespace

std::string step_id(int version, std::string_view name) {
  std::string digits = std::to_string(version);
  if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
  return digits + "_" + std::string(name);
}

std::string Step::id() const {
  return step_id(version, name);
}

std::string Step::up_file() const {
  return id() + std::string(kUp);
}

std::string Step::down_file() const {
  return id() + std::string(kDown);
}

std::variant<std::vector<Step>, Problem> parse_listing(std::vector<std::string> file_names) {
  std::sort(file_names.begin(), file_names.end());
  // (version, name) → which halves are present; ordered by number, then name.
  std::map<std::pair<int, std::string>, std::pair<bool, bool>> halves;
  for (const auto& file : file_names) {
    const auto parsed = parse_file_name(file);
    if (!parsed) return Problem{Reason::not_a_step, file};
    auto& [up, down] = halves[{parsed->version, parsed->name}];
    (parsed->up ? up : down) = true;
  }
  std::vector<Step> steps;
  for (const auto& [key, present] : halves) {
    Step step{key.first, key.second, {}};
    if (!present.second) return Problem{Reason::down_missing, step.down_file()};
    if (!present.first) return Problem{Reason::up_missing, step.up_file()};
    if (!steps.empty() && steps.back().version == step.version) {
      return Problem{Reason::duplicate_number, step.up_file()};
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace amo::relay::migration
