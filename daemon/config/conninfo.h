#pragma once
// libpq connection strings (database_url, migration_database_url), judged by libpq's own
// parser (PQconninfoParse: no connection, no defaults, no service file read), so the loader
// accepts exactly what the daemons can later connect with. Neither function keeps or returns
// any part of the string: it may hold a password.
#include <string_view>

namespace amo::config {

// keyword=value pairs or a postgres:// / postgresql:// URI that libpq accepts.
bool is_conninfo(std::string_view s);

// A password written into the string: libpq's `password` option (keyword form, the URI's
// user:secret@ or ?password=), or — for a string libpq cannot parse — any `password =`
// (any case, spaces allowed) or `scheme://user:secret@`.
bool has_plaintext_password(std::string_view s);

}  // namespace amo::config
