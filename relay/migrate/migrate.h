#pragma once
// `amo-relay migrate up|down|status` (DESIGN §5): applies deploy/migrations in order, each
// step in one transaction, under a Postgres advisory lock so two runners never interleave.
#include <ostream>
#include <string>

#include "daemon/config/config.h"

namespace amo::relay {

// `command` is "up", "down" or "status". Prints what it did (or the status table) to `out`,
// errors to `err` as one line; returns the process exit code (0 ok, 1 failure, 2 bad command).
// Connects with migration_database_url.
int migrate(const config::Config& config, const std::string& command, std::ostream& out, std::ostream& err);

}  // namespace amo::relay
