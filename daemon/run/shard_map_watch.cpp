#include "daemon/run/shard_map_watch.h"

#include <system_error>

#include "daemon/log/log.h"
#include "io/files.h"

namespace amo::config {

ShardMapWatch::ShardMapWatch(const Config& config) : config_(config), map_(std::make_shared<ShardMap>(config)) {}

std::variant<ShardMap, Error> ShardMapWatch::read(Stamp& stamp) const {
  try {
    // The stamp before the text: a write in between is seen again at the next check.
    const std::filesystem::path path(config_.shard_map_file);
    std::error_code ec;
    const auto mtime = std::filesystem::last_write_time(path, ec);
    const auto size = ec ? 0 : std::filesystem::file_size(path, ec);
    std::string text = io::read_file(config_.shard_map_file);  // its error names the path
    if (ec) return Error{"shard_map_file", "cannot stat " + config_.shard_map_file + ": " + ec.message()};
    stamp = {mtime, size};
    return ShardMap::parse(config_, text);
  } catch (const std::exception& e) {
    return Error{"shard_map_file", e.what()};  // names the path, never the content
  }
}

std::optional<Error> ShardMapWatch::load() {
  if (config_.shard_map_file.empty()) return std::nullopt;
  Stamp stamp;
  auto parsed = read(stamp);
  if (auto* e = std::get_if<Error>(&parsed)) return *e;
  std::lock_guard lock(mutex_);
  map_ = std::make_shared<const ShardMap>(std::move(std::get<ShardMap>(parsed)));
  stamp_ = stamp;
  return std::nullopt;
}

std::vector<Move> ShardMapWatch::reload_if_changed(bool forced) {
  if (config_.shard_map_file.empty()) return {};
  {
    std::error_code ec;
    const std::filesystem::path path(config_.shard_map_file);
    const Stamp now{std::filesystem::last_write_time(path, ec), ec ? 0 : std::filesystem::file_size(path, ec)};
    std::lock_guard lock(mutex_);
    if (!forced && (ec || now == stamp_)) return {};
  }
  Stamp stamp;
  auto parsed = read(stamp);
  std::lock_guard lock(mutex_);
  stamp_ = stamp;  // a bad file is reported once, not every second
  if (auto* e = std::get_if<Error>(&parsed)) {
    log::error(e->line() + "; the shard map before stays in use");
    return {};
  }
  auto next = std::make_shared<const ShardMap>(std::move(std::get<ShardMap>(parsed)));
  if (!next->same_shards(*map_)) {
    log::error("shard_map_file: [shards] changed; restart the daemon to connect to other brokers; "
               "the shard map before stays in use");
    return {};
  }
  auto moves = map_->moves_to(*next);
  for (const auto& m : moves)
    log::audit("shard map: tenant=" + m.amo + " moved from=" + next->shard(m.from).name +
               " to=" + next->shard(m.to).name);
  map_ = std::move(next);
  return moves;
}

std::shared_ptr<const ShardMap> ShardMapWatch::current() const {
  std::lock_guard lock(mutex_);
  return map_;
}

}  // namespace amo::config
