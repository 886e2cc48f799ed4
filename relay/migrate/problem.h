#pragma once
// Every reason `migrate` refuses to act on the migrations directory, one value each, with a
// fixed message: the error line, the unit test and the live test all name the same value.
#include <string>
#include <string_view>

namespace amo::relay::migration {

enum class Reason {
  not_a_step,        // a file that is not NNNN_name.up.sql / NNNN_name.down.sql
  down_missing,      // NNNN_name.up.sql without its .down.sql
  up_missing,        // NNNN_name.down.sql without its .up.sql
  duplicate_number,  // two steps share NNNN
  applied_missing,   // recorded in realtime_schema_migrations, no longer on disk
  checksum_changed,  // the up file of an applied step differs from what was applied
  out_of_order,      // a pending step numbered below an applied one
};

std::string_view message(Reason reason) noexcept;

struct Problem {
  Reason reason;
  std::string file;  // the file the problem is about, e.g. "0004_chat.down.sql"
  // "<file>: <message>", what `migrate` prints after "migrate: ".
  std::string line() const;
};

}  // namespace amo::relay::migration
