// Envelope validation: ours vs valijson (nlohmann adapter) on a 1 KiB chat.message and on the
// differential corpus, and the cost of refusing a 1 MiB non-JSON blob.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/envelope/validate.h"
#include "tests/core/envelope/reference_validator.h"
#include "tests/core/envelope/schema_files.h"

using namespace amo::envelope;

namespace {

const std::vector<SchemaFile>& files() {
  static const auto f = test::read_schema_dir();
  return f;
}

const SchemaSet& schemas() {
  static LoadResult r = load_schemas(files());
  if (r.status != Status::ok) std::abort();
  return *r.set;
}

// A stamped chat.message of exactly 1024 bytes.
std::string chat_1k() {
  std::string head =
      R"({"v":1,"id":"2d6171b0-69cf-5487-acde-f0002830d870","kind":"chat.message","amo":"A1","ts":"2026-11-25T10:00:00.123Z","sender":"u1","thread":"T1","client_msg_id":"0123456789abcdef","seq":42,"payload":{"text":")";
  std::string tail = "\"}}";
  std::string text;
  while (head.size() + text.size() + tail.size() < 1024) text += "Torque check done, é ok. ";
  text.resize(1024 - head.size() - tail.size());
  return head + text + tail;
}

// The differential test's corpus (same generator, same seed), "same"-tagged cases only.
std::vector<std::string> corpus() {
  std::vector<std::string> out;
  std::string cmd = "python3 '" AMO_SOURCE_DIR "/tests/core/envelope/corpus/gen_corpus.py' 2>/dev/null";
  std::string text;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
    pclose(p);
  }
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    if (line.substr(0, 5) != "same ") continue;
    std::string bytes;
    for (std::size_t i = 5; i + 1 < line.size(); i += 2)
      bytes.push_back(static_cast<char>(std::stoi(std::string(line.substr(i, 2)), nullptr, 16)));
    out.push_back(std::move(bytes));
  }
  if (out.empty()) out.push_back(chat_1k());
  return out;
}

void BM_ours_chat_1k(benchmark::State& state) {
  Validator v(schemas());
  const std::string doc = chat_1k();
  for (auto _ : state) {
    Verdict r = v.validate(doc, "thread/T1/chat");
    benchmark::DoNotOptimize(r.status);
    if (r.status != Status::ok) state.SkipWithError("not valid");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * doc.size()));
}

void BM_valijson_chat_1k(benchmark::State& state) {
  test::ReferenceValidator ref(files());
  const std::string doc = chat_1k();
  for (auto _ : state) {
    bool ok = ref.valid(doc);
    benchmark::DoNotOptimize(ok);
    if (!ok) state.SkipWithError("not valid");
  }
}

void BM_ours_corpus(benchmark::State& state) {
  Validator v(schemas());
  static const auto docs = corpus();
  for (auto _ : state)
    for (const auto& d : docs) benchmark::DoNotOptimize(v.validate(d).status);
  state.counters["docs"] = static_cast<double>(docs.size());
}

void BM_valijson_corpus(benchmark::State& state) {
  test::ReferenceValidator ref(files());
  static const auto docs = corpus();
  for (auto _ : state)
    for (const auto& d : docs) benchmark::DoNotOptimize(ref.valid(d));
  state.counters["docs"] = static_cast<double>(docs.size());
}

void BM_ours_reject_1mib_blob(benchmark::State& state) {
  Validator v(schemas());
  const std::string blob(1 << 20, '\x7f');
  for (auto _ : state) {
    Verdict r = v.validate(blob);
    benchmark::DoNotOptimize(r.status);
    if (r.status != Status::too_large) state.SkipWithError("not too_large");
  }
}

}  // namespace

BENCHMARK(BM_ours_chat_1k);
BENCHMARK(BM_valijson_chat_1k);
BENCHMARK(BM_ours_corpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_valijson_corpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ours_reject_1mib_blob);
