// The validator allocates nothing per message after warm-up (plugin hot path).
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "core/envelope/validate.h"
#include "tests/core/envelope/schema_files.h"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// Libraries call the nothrow form (simdjson's parser does); left out, it would be ASan's own
// under -fsanitize=address, and the delete above would free() what ASan's new allocated.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(n ? n : 1);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace amo::envelope;

TEST_CASE("validate() does not allocate after warm-up") {
  LoadResult r = load_schemas(test::read_schema_dir());
  REQUIRE(r.status == Status::ok);
  Validator v(*r.set);
  const std::string docs[] = {
      R"({"v":1,"kind":"chat.message","client_msg_id":"0123456789ab","payload":{"text":"hi"}})",
      R"({"v":1,"kind":"chat.message","client_msg_id":"0123456789ab","payload":{"text":"hi","x":{"a/b~c":[1,2]}}})",
      R"({"v":1,"kind":"replay.request","threads":["a","b"],"payload":{"after":1}})",
      R"({"v":1,"kind":"nope","payload":{}})",
      R"({"v":1,"v":1})",
      std::string(20000, 'x'),
  };
  for (const auto& d : docs) (void)v.validate(d, "thread/T1/chat");
  long before = g_allocations.load();
  for (int i = 0; i < 100; ++i)
    for (const auto& d : docs) (void)v.validate(d, "thread/T1/chat");
  CHECK(g_allocations.load() == before);
}
