#include "daemon/run/shard_map_watch.h"

#include <system_error>

#include "daemon/log/log.h"
#include "io/files.h"

namespace amo::config {

ShardMapWatch::ShardMapWatch(const Config& config) : config_(config), map_(std::make_shared<ShardMap>(config)) {}

ShardMapWatch::Stamp ShardMapWatch::stamp(std::error_code& ec) const {
  const std::filesystem::path path(config_.shard_map_file);
  const auto mtime = std::filesystem::last_write_time(path, ec);
  return {mtime, ec ? 0 : std::filesystem::file_size(path, ec)};
}

std::variant<ShardMap, Error> ShardMapWatch::read(const std::error_code& stat_error) const {
  try {
    std::string text = io::read_file(config_.shard_map_file);  // its error names the path
    if (stat_error)
      return Error{"shard_map_file", "cannot stat " + config_.shard_map_file + ": " + stat_error.message()};
    return ShardMap::parse(config_, text);
  } catch (const std::exception& e) {
    return Error{"shard_map_file", e.what()};  // names the path, never the content
  }
}

std::optional<Error> ShardMapWatch::load() {
  if (config_.shard_map_file.empty()) return std::nullopt;
  std::error_code ec;
  const Stamp before = stamp(ec);  // before the text: a write in between is seen at the next check
  auto parsed = read(ec);
  if (auto* e = std::get_if<Error>(&parsed)) return *e;
  std::lock_guard lock(mutex_);
  map_ = std::make_shared<const ShardMap>(std::move(std::get<ShardMap>(parsed)));
  stamp_ = before;
  return std::nullopt;
}

std::vector<Move> ShardMapWatch::reload_if_changed(bool forced) {
  if (config_.shard_map_file.empty()) return {};
  std::error_code ec;
  const Stamp before = stamp(ec);
  {
    std::lock_guard lock(mutex_);
    if (!forced && (ec || before == stamp_)) return {};
  }
  auto parsed = read(ec);
  std::lock_guard lock(mutex_);
  stamp_ = before;  // a bad file is reported once, not every second
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
