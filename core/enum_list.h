#pragma once
// One way to declare an enum whose names are its members' spellings, from an X-macro list:
// every status (STYLE.md: every reason is one value of one enum, named the same in the log,
// the metric label and the test), the JWS algorithms and the ACL access kinds:
//   #define AMO_FOO_STATUS(X) X(ok) X(bad_thing)
//   AMO_ENUM(Status, AMO_FOO_STATUS)        // in the header: enum, count, name() declaration
//   AMO_ENUM_NAME(Status, AMO_FOO_STATUS)   // in one .cpp: name() definition
#include <cstddef>
#include <string_view>

#define AMO_ENUM_MEMBER_(n) n,
#define AMO_ENUM_ONE_(n) +1
#define AMO_ENUM_CASE_(n) \
  case AmoEnum_::n:       \
    return #n;

#define AMO_ENUM(Enum, LIST)                                                   \
  enum class Enum : unsigned char { LIST(AMO_ENUM_MEMBER_) };                  \
  inline constexpr std::size_t count(Enum) noexcept { return 0 LIST(AMO_ENUM_ONE_); } \
  std::string_view name(Enum v) noexcept;

#define AMO_ENUM_NAME(Enum, LIST)            \
  std::string_view name(Enum v) noexcept {   \
    using AmoEnum_ = Enum;                   \
    switch (v) { LIST(AMO_ENUM_CASE_) }      \
    return "unknown";                        \
  }
