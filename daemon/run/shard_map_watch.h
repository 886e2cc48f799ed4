#pragma once
// The shard map a daemon uses now (DESIGN §9): read from `shard_map_file` at start (a bad
// file refuses the start, like any config error) and again whenever the file's modification
// time or size changes. A reload may move tenants; it may not add, remove or change shards
// (the daemon's broker connections are made at start): such a file, or one that does not
// parse, is logged as an error and the map before stays in use. Thread-safe.
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "daemon/config/shard_map.h"

namespace amo::config {

class ShardMapWatch {
 public:
  explicit ShardMapWatch(const Config& config);

  // Reads the file (if `shard_map_file` is set); the error, keyed shard_map_file, if it cannot.
  std::optional<Error> load();
  // Re-reads a changed file (always, if `forced`); the tenants it moved, if it took the file.
  std::vector<Move> reload_if_changed(bool forced = false);
  std::shared_ptr<const ShardMap> current() const;

 private:
  struct Stamp {
    std::filesystem::file_time_type mtime{};
    std::uintmax_t size = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp(std::error_code& ec) const;  // taken before the text is read
  std::variant<ShardMap, Error> read(const std::error_code& stat_error) const;

  const Config& config_;
  mutable std::mutex mutex_;
  std::shared_ptr<const ShardMap> map_;
  Stamp stamp_;
};

}  // namespace amo::config
