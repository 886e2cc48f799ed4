#include "daemon/log/log.h"

#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <string>

#include "daemon/log/line.h"
#include "daemon/log/line_count.h"

namespace amo::log {

namespace {

// The spdlog logger that audit() writes through; the formatter tells audit lines by it.
constexpr std::string_view kAuditLogger = "amo.audit";

Level from_spdlog(spdlog::level::level_enum level) noexcept {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return Level::debug;
    case spdlog::level::info:
      return Level::info;
    case spdlog::level::warn:
      return Level::warning;
    default:
      return Level::error;
  }
}

spdlog::level::level_enum to_spdlog(Level level) noexcept {
  switch (level) {
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warning:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

struct LineCounter {
  std::mutex mutex;
  const void* owner = nullptr;
  std::function<void(Level)> count;
};

LineCounter& line_counter() {
  static LineCounter counter;
  return counter;
}

void count_line(Level level) {
  auto& c = line_counter();
  std::lock_guard lock(c.mutex);
  if (c.count) c.count(level);
}

// Every line of every spdlog logger we install ends here: redaction and rendering are in
// line.cpp; this only adapts spdlog's record.
class LineFormatter final : public spdlog::formatter {
 public:
  LineFormatter(bool json, std::string daemon) : json_(json), daemon_(std::move(daemon)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const Line line{.time = msg.time,
                    .level = from_spdlog(msg.level),
                    .daemon = daemon_,
                    .message = std::string_view(msg.payload.data(), msg.payload.size()),
                    .audit = std::string_view(msg.logger_name.data(), msg.logger_name.size()) == kAuditLogger};
    thread_local std::string buffer;
    buffer.clear();
    render(line, json_, buffer);
    dest.append(buffer.data(), buffer.data() + buffer.size());
    count_line(line.level);
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<LineFormatter>(json_, daemon_); }

 private:
  bool json_;
  std::string daemon_;
};

struct Loggers {
  std::mutex mutex;
  std::shared_ptr<spdlog::logger> main, audit;
};

Loggers& loggers() {
  static Loggers l;
  return l;
}

struct Pair {
  std::shared_ptr<spdlog::logger> main, audit;
};

Pair make_loggers(const Options& options) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(
      std::make_unique<LineFormatter>(options.json, options.daemon.empty() ? "amo" : std::string(options.daemon)));
  auto main = std::make_shared<spdlog::logger>("amo", sink);
  main->set_level(to_spdlog(options.level));
  // Daemons log little and tests read stderr right away: flush every line.
  main->flush_on(spdlog::level::trace);
  // Audit lines are security events: the configured verbosity does not hide them.
  auto audit = std::make_shared<spdlog::logger>(std::string(kAuditLogger), sink);
  audit->set_level(spdlog::level::trace);
  audit->flush_on(spdlog::level::trace);
  return {std::move(main), std::move(audit)};
}

// Caller holds loggers().mutex.
void install(Pair pair) {
  auto& l = loggers();
  l.main = pair.main;
  l.audit = std::move(pair.audit);
  // spdlog::info(...) from any other code goes through the same sink and formatter.
  spdlog::set_default_logger(std::move(pair.main));
}

// Before init() (a test, a tool), lines still go through the formatter, as text.
std::shared_ptr<spdlog::logger> get(bool audit) {
  auto& l = loggers();
  std::lock_guard lock(l.mutex);
  if (!l.main) install(make_loggers({}));
  return audit ? l.audit : l.main;
}

}  // namespace

void init(const Options& options) {
  Pair pair = make_loggers(options);
  std::lock_guard lock(loggers().mutex);
  install(std::move(pair));
}

bool parse_level(std::string_view text, Level& out) noexcept {
  for (const Level level : {Level::debug, Level::info, Level::warning, Level::error}) {
    if (text == level_name(level)) {
      out = level;
      return true;
    }
  }
  return false;
}

void write(Level level, std::string_view message) {
  get(false)->log(to_spdlog(level), spdlog::string_view_t(message.data(), message.size()));
}

void audit(std::string_view message) {
  get(true)->log(spdlog::level::info, spdlog::string_view_t(message.data(), message.size()));
}

void count_lines(const void* owner, std::function<void(Level)> count) {
  auto& c = line_counter();
  std::lock_guard lock(c.mutex);
  c.owner = owner;
  c.count = std::move(count);
}

void stop_counting_lines(const void* owner) {
  auto& c = line_counter();
  std::lock_guard lock(c.mutex);
  if (c.owner != owner) return;
  c.owner = nullptr;
  c.count = nullptr;
}

}  // namespace amo::log
