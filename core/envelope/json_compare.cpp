#include "core/envelope/json_compare.h"

namespace amo::envelope {

namespace {
using simdjson::dom::element_type;

bool is_number(element_type t) noexcept {
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}
}  // namespace

int compare_numbers(simdjson::dom::element a, simdjson::dom::element b) noexcept {
  auto ta = a.type(), tb = b.type();
  if (ta != element_type::DOUBLE && tb != element_type::DOUBLE) {
    // Exact integer comparison across int64/uint64.
    bool na = ta == element_type::INT64 && a.get_int64().value_unsafe() < 0;
    bool nb = tb == element_type::INT64 && b.get_int64().value_unsafe() < 0;
    if (na != nb) return na ? -1 : 1;
    if (na) {
      auto x = a.get_int64().value_unsafe(), y = b.get_int64().value_unsafe();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    auto x = ta == element_type::UINT64 ? a.get_uint64().value_unsafe() : static_cast<std::uint64_t>(a.get_int64().value_unsafe());
    auto y = tb == element_type::UINT64 ? b.get_uint64().value_unsafe() : static_cast<std::uint64_t>(b.get_int64().value_unsafe());
    return x < y ? -1 : x > y ? 1 : 0;
  }
  auto as_double = [](simdjson::dom::element e, element_type t) -> long double {
    if (t == element_type::INT64) return static_cast<long double>(e.get_int64().value_unsafe());
    if (t == element_type::UINT64) return static_cast<long double>(e.get_uint64().value_unsafe());
    return static_cast<long double>(e.get_double().value_unsafe());
  };
  long double x = as_double(a, ta), y = as_double(b, tb);
  return x < y ? -1 : x > y ? 1 : 0;
}

bool json_equal(simdjson::dom::element a, simdjson::dom::element b) noexcept {
  auto ta = a.type(), tb = b.type();
  if (is_number(ta) && is_number(tb)) return compare_numbers(a, b) == 0;
  if (ta != tb) return false;
  switch (ta) {
    case element_type::STRING: return a.get_string().value_unsafe() == b.get_string().value_unsafe();
    case element_type::BOOL: return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
    case element_type::NULL_VALUE: return true;
    case element_type::ARRAY: {
      auto x = a.get_array().value_unsafe(), y = b.get_array().value_unsafe();
      auto i = x.begin(), j = y.begin();
      for (; i != x.end() && j != y.end(); ++i, ++j)
        if (!json_equal(*i, *j)) return false;
      return !(i != x.end()) && !(j != y.end());
    }
    case element_type::OBJECT: {
      auto x = a.get_object().value_unsafe(), y = b.get_object().value_unsafe();
      if (x.size() != y.size()) return false;
      for (auto field : x) {
        simdjson::dom::element other;
        if (y.at_key(field.key).get(other) != simdjson::SUCCESS || !json_equal(field.value, other)) return false;
      }
      return true;
    }
    default: return false;
  }
}

}  // namespace amo::envelope
