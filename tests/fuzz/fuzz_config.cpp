// config::parse (daemon/config/config.h) on arbitrary TOML, toml++ compiled in (header-only)
// so its parser is fuzzed too. The first byte picks the program (bits 0-1: relay, token
// service, migrate) and what the environment holds (bit 2: APP_ENV=production; bit 3:
// AMO_RT_LOG_LEVEL=warning; bit 4: AMO_RT_DATABASE_URL with a password; bit 5:
// AMO_RT_BROKER_PORT=x). Invariants:
// - parse is a function of its input: a second parse gives the same error line or the same
//   Config, member for member (nothing of a rejected or accepted file stays behind);
// - an error names a key and says what is wrong in one line (the key as the file spelled it),
//   and never repeats the environment's password;
// - an accepted Config has every key its program requires, every set int key in its range,
//   every set string key in its shape, the relations of values.h hold, the environment
//   overrides the file (log_level), and production is exactly APP_ENV=production.
#include <string>

#include "daemon/config/config.h"
#include "daemon/config/key_table.h"
#include "daemon/config/values.h"
#include "tests/fuzz/fuzz_check.h"

using namespace amo::config;

namespace {

constexpr std::string_view kPassword = "fuzzEnvPassw0rd";

bool same(const Config& a, const Config& b) {
#define AMO_FUZZ_SAME_(name, type, def, used, required) \
  if (a.name != b.name || a.source.name != b.source.name) return false;
  AMO_CONFIG_KEYS(AMO_FUZZ_SAME_)
#undef AMO_FUZZ_SAME_
  return a.production == b.production;
}

void check_accepted(const Config& c, Program program, unsigned flags) {
  for (const KeyInfo& key : all_keys()) {
    if (!used_by(key, program)) continue;
    const Source source = c.source.*key.source;
    std::visit(
        [&](auto member) {
          using V = std::remove_cvref_t<decltype(c.*member)>;
          const V& value = c.*member;
          if constexpr (std::is_same_v<V, std::string>) {
            if (required_by(key, program)) AMO_FUZZ_CHECK_WHY(!value.empty(), "required %s empty", key.name.data());
            if (source != Source::unset && !value.empty())
              AMO_FUZZ_CHECK_WHY(!check_str(key.name, value), "%s accepted out of shape", key.name.data());
          } else if constexpr (std::is_same_v<V, std::int64_t>) {
            if (required_by(key, program)) AMO_FUZZ_CHECK(source != Source::unset);
            AMO_FUZZ_CHECK_WHY(!check_int(key.name, value), "%s = %lld accepted out of range", key.name.data(),
                               static_cast<long long>(value));
          }
        },
        key.member);
  }
  AMO_FUZZ_CHECK(!check_relations(c, program, c.source));
  if (flags & 8) AMO_FUZZ_CHECK(c.log_level == "warning" && c.source.log_level == Source::env);
  if (flags & 16) AMO_FUZZ_CHECK(c.database_url.find(kPassword) != std::string::npos);
  AMO_FUZZ_CHECK(c.production == ((flags & 4) != 0));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned flags = data[0];
  const Program program = flags % 4 == 0 ? Program::relay : flags % 4 == 1 ? Program::token_service : Program::migrate;
  const std::string_view toml = amo::fuzz::bytes(data + 1, size - 1);
  const Getenv getenv = [flags](std::string_view name) -> std::optional<std::string> {
    if (name == "APP_ENV" && (flags & 4)) return "production";
    if (name == "AMO_RT_LOG_LEVEL" && (flags & 8)) return "warning";
    if (name == "AMO_RT_DATABASE_URL" && (flags & 16))
      return "postgresql://amo:" + std::string(kPassword) + "@db.internal:5432/amo";
    if (name == "AMO_RT_BROKER_PORT" && (flags & 32)) return "x";
    return std::nullopt;
  };

  const Result first = parse(program, toml, getenv);
  const Result second = parse(program, toml, getenv);
  AMO_FUZZ_CHECK(first.index() == second.index());
  if (const Error* e = std::get_if<Error>(&first)) {
    const std::string line = e->line();
    // The key may be "" when the file has an empty quoted key ("" = 1): it names it as spelled.
    AMO_FUZZ_CHECK(!e->message.empty());
    // The key is as the file spelled it: a quoted TOML key may hold a newline, and the line
    // then shows it (the operator wrote it); what the loader says is one line.
    AMO_FUZZ_CHECK_WHY(e->message.find_first_of("\r\n") == std::string::npos, "message of more than a line: %s",
                       line.c_str());
    // (Unless the file itself spells it, e.g. as a key the error then names.)
    if (toml.find(kPassword) == std::string_view::npos)
      AMO_FUZZ_CHECK_WHY(line.find(kPassword) == std::string::npos, "error repeats the password: %s", line.c_str());
    AMO_FUZZ_CHECK(std::get<Error>(second).line() == line);
    return 0;
  }
  const Config& c = std::get<Config>(first);
  AMO_FUZZ_CHECK(same(c, std::get<Config>(second)));
  check_accepted(c, program, flags);
  return 0;
}
