#pragma once
// Pure: the checksum realtime_schema_migrations records for a step, so an applied step whose
// up file was edited afterwards is noticed.
#include <string>
#include <string_view>

namespace amo::relay::migration {

// SHA-256 of the bytes, lower-case hex (64 characters).
std::string sha256_hex(std::string_view bytes);

}  // namespace amo::relay::migration
