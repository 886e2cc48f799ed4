#pragma once
// Reading the files core/ parses (core itself does no I/O): the JWKS file, the schema
// directory; and noticing that a file changed. Shared by the plugin, the daemons, tests and
// benchmarks.
#include <cstdint>
#include <string>
#include <vector>

#include "core/envelope/schema_set.h"

namespace amo::io {

// Throws std::runtime_error naming the path (never the content) on a missing, unreadable or
// empty file.
std::string read_file(const std::string& path);
// Every *.json file in dir, by name.
std::vector<envelope::SchemaFile> read_schema_dir(const std::string& dir);

// What changes when a file is replaced or rewritten; compared to notice edits without SIGHUP.
struct FileStamp {
  std::uint64_t inode = 0, size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
FileStamp stamp_of(const std::string& path) noexcept;

}  // namespace amo::io
