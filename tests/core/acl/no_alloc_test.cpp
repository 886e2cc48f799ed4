// check() must not allocate (DESIGN §3): a counting global operator new for this executable.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "core/acl/check.h"
#include "core/acl/topic.h"
#include "tests/core/acl/acl_table.h"

namespace {
std::atomic<std::size_t> allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace amo::acl {
namespace {

TEST_CASE("check allocates nothing across the whole table") {
  const auto& rows = test::acl_table();
  const Subject user = test::user_subject();
  const Subject service = test::service_subject();
  {
    const std::size_t before = allocations.load();
    void* p = ::operator new(sizeof(int));  // a direct call, so it cannot be elided
    CHECK(allocations.load() == before + 1);
    ::operator delete(p);
  }
  int denied = 0;
  const std::size_t before = allocations.load();
  for (const auto& r : rows) {
    const Subject& who = r.role == amo::Role::user ? user : service;
    denied += check(who, r.access, r.topic, r.qos, r.retain) != Status::ok;
    TopicRef ref;
    denied += parse_topic(r.topic, ref) ? 0 : 1;
  }
  const std::size_t after = allocations.load();
  CHECK(after == before);
  CHECK(denied > 0);
}

}  // namespace
}  // namespace amo::acl
