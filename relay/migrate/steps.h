#pragma once
// Pure: the migrations directory as an ordered list of steps (DESIGN §5). A step is a pair
// NNNN_name.up.sql / NNNN_name.down.sql; numbers are unique and order the steps.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "relay/migrate/problem.h"

namespace amo::relay::migration {

struct Step {
  int version = 0;       // NNNN
  std::string name;      // what follows "NNNN_", e.g. "outbox"
  std::string checksum;  // sha256 hex of the up file; the caller fills it once it read the file
  std::string id() const;  // "0001_outbox", as status prints it
  std::string up_file() const;
  std::string down_file() const;
};

// "0001_outbox" from 1 and "outbox".
std::string step_id(int version, std::string_view name);

// The names of every entry of the directory, in any order → the steps sorted by number, or
// a problem naming its file: a stray file first, then a pair missing a half, then a reused
// number, each the first in file-name order.
std::variant<std::vector<Step>, Problem> parse_listing(std::vector<std::string> file_names);

}  // namespace amo::relay::migration
