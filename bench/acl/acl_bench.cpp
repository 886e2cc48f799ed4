// ACL decision cost (DESIGN §3): read runs on every delivery, so it is the hot one.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/acl/check.h"
#include "core/acl/topic.h"

namespace {

using amo::acl::Access;
using amo::acl::Status;
using amo::acl::Subject;

// Realistic ids: 26-char ULID-like tenant, user and thread ids; the member thread is last.
const std::vector<std::string> threads{
    "01HZX3K9Q2T7V8W0Y1Z2A3B4C5", "01HZX3K9Q2T7V8W0Y1Z2A3B4C6", "01HZX3K9Q2T7V8W0Y1Z2A3B4C7",
    "01HZX3K9Q2T7V8W0Y1Z2A3B4C8", "01HZX3K9Q2T7V8W0Y1Z2A3B4C9"};
const Subject user{"amo-01HZX3K9Q2", "01HZX3K9Q2T7V8W0Y1ZUSER001", threads, amo::Role::user};

void run(benchmark::State& state, Access access, const std::string& topic, int qos, Status want) {
  if (amo::acl::check(user, access, topic, qos) != want) {
    state.SkipWithError("unexpected decision");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(amo::acl::check(user, access, topic, qos));
  }
}

void BM_read_thread_events(benchmark::State& state) {
  run(state, Access::read, "amo/amo-01HZX3K9Q2/thread/01HZX3K9Q2T7V8W0Y1Z2A3B4C9/events", 1,
      Status::ok);
}
BENCHMARK(BM_read_thread_events);

void BM_read_user_events(benchmark::State& state) {
  run(state, Access::read, "amo/amo-01HZX3K9Q2/user/01HZX3K9Q2T7V8W0Y1ZUSER001/events", 1,
      Status::ok);
}
BENCHMARK(BM_read_user_events);

void BM_subscribe_thread(benchmark::State& state) {
  run(state, Access::subscribe, "amo/amo-01HZX3K9Q2/thread/01HZX3K9Q2T7V8W0Y1Z2A3B4C9/#", 1,
      Status::ok);
}
BENCHMARK(BM_subscribe_thread);

void BM_write_chat(benchmark::State& state) {
  run(state, Access::write, "amo/amo-01HZX3K9Q2/thread/01HZX3K9Q2T7V8W0Y1Z2A3B4C9/chat", 1,
      Status::ok);
}
BENCHMARK(BM_write_chat);

void BM_subscribe_denied_wide(benchmark::State& state) {
  run(state, Access::subscribe, "amo/amo-01HZX3K9Q2/user/+/#", 0, Status::wide_filter);
}
BENCHMARK(BM_subscribe_denied_wide);

void BM_grammar_max_topic(benchmark::State& state) {
  const std::string topic = "amo/" + std::string(252, 'x');
  for (auto _ : state) {
    benchmark::DoNotOptimize(amo::acl::check_topic_grammar(topic, false));
  }
}
BENCHMARK(BM_grammar_max_topic);

}  // namespace
