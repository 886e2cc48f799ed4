// StrictParser on arbitrary bytes. Invariants: an accepted document minifies to text that
// parses again to the same minified text (no value is read differently the second time), and
// a parser's answer does not depend on what it parsed before.
#include <string>

#include "core/json/strict_parse.h"
#include "tests/fuzz/fuzz_check.h"

using amo::json::Status;
using amo::json::StrictParser;

namespace {
// The limits the verifier and the validator use (16 KiB, depth 16).
constexpr std::size_t kMaxBytes = 16384, kMaxDepth = 16;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  static StrictParser first(kMaxBytes, kMaxDepth);
  // Minified text can be longer than its source (1e5 → 100000.0), so the re-parse gets room.
  static StrictParser again(4 * kMaxBytes, kMaxDepth);
  const std::string_view input = amo::fuzz::bytes(data, size);

  simdjson::dom::element e;
  const Status s = first.parse(input, e);
  if (s != Status::ok) {
    simdjson::dom::element ignored;
    AMO_FUZZ_CHECK(again.parse(input, ignored) == s || s == Status::too_large);
    return 0;
  }
  const std::string minified = simdjson::minify(e);
  simdjson::dom::element e2;
  AMO_FUZZ_CHECK(again.parse(minified, e2) == Status::ok);
  AMO_FUZZ_CHECK(simdjson::minify(e2) == minified);
  AMO_FUZZ_CHECK(e2.type() == e.type());
  return 0;
}
