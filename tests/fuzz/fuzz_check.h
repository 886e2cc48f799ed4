#pragma once
// An invariant a fuzz target asserts: on failure, say which and abort so libFuzzer saves the input.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define AMO_FUZZ_CHECK(cond)                                                                  \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

// The same, with the values that broke it (printf-style) for the report.
#define AMO_FUZZ_CHECK_WHY(cond, ...)   \
  do {                                  \
    if (!(cond)) {                      \
      std::fprintf(stderr, __VA_ARGS__); \
      std::fputc('\n', stderr);        \
      AMO_FUZZ_CHECK(cond);             \
    }                                   \
  } while (0)

namespace amo::fuzz {

inline std::string_view bytes(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace amo::fuzz
