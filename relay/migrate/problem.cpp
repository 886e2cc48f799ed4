#include "relay/migrate/problem.h"

namespace amo::relay::migration {

std::string_view message(Reason reason) noexcept {
  switch (reason) {
    case Reason::not_a_step:
      return "is not a migration step (expected NNNN_name.up.sql or NNNN_name.down.sql, name in [a-z0-9_])";
    case Reason::down_missing:
      return "is missing (every NNNN_name.up.sql needs its NNNN_name.down.sql)";
    case Reason::up_missing:
      return "is missing (every NNNN_name.down.sql needs its NNNN_name.up.sql)";
    case Reason::duplicate_number:
      return "reuses the number of another step (numbers must be unique)";
    case Reason::applied_missing:
      return "is applied but missing from the migrations directory; refusing to go on";
    case Reason::checksum_changed:
      return "changed since it was applied (sha256 differs); refusing to go on";
    case Reason::out_of_order:
      return "is pending but a later step is already applied; refusing to apply out of order";
  }
  return "unknown problem";
}

std::string Problem::line() const {
  return file + ": " + std::string(message(reason));
}

}  // namespace amo::relay::migration
