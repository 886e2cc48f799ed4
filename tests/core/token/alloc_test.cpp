// Steady-state verification allocates nothing in our code (OpenSSL's own allocations go
// through malloc and are not counted here): the Verifier reuses its buffers and `out`.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "token_fixture.h"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// Libraries call the nothrow form (simdjson's parser does); left out, it would be ASan's own
// under -fsanitize=address, and the delete above would free() what ASan's new allocated.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace amo::token;
using namespace amo::token::test;

TEST_CASE("a warmed-up Verifier allocates nothing per token") {
  Keys keys;
  Verifier v(policy());
  Claims out;
  for (const Key* k : {&keys.ed, &keys.ec, &keys.hs}) {
    CAPTURE(name(k->alg));
    std::string token = sign(good_claims(), *k);
    REQUIRE(v.verify(token, keys.verify_set, kNow, out) == Status::ok);  // warm-up
    long before = g_allocations.load();
    for (int i = 0; i < 10; ++i) REQUIRE(v.verify(token, keys.verify_set, kNow, out) == Status::ok);
    CHECK(g_allocations.load() - before == 0);
    // Rejections allocate nothing either.
    const std::string_view cut = std::string_view(token).substr(0, token.size() - 4);
    before = g_allocations.load();
    CHECK(v.verify(cut, keys.verify_set, kNow, out) != Status::ok);
    CHECK(v.verify(token, keys.verify_set, kNow + 1000, out) == Status::expired);
    CHECK(g_allocations.load() - before == 0);
  }
}
