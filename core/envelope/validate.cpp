#include "core/envelope/validate.h"

#include <charconv>

#include "core/envelope/json_compare.h"

namespace amo::envelope {

namespace {

// Schema recursion that does not descend the document ($ref, allOf, if) is bounded here, so
// a cyclic $ref in a schema cannot exhaust the stack.
constexpr unsigned kMaxCalls = 256;

Status from_json(json::Status s) noexcept {
  switch (s) {
    case json::Status::ok: return Status::ok;
    case json::Status::too_large: return Status::too_large;
    case json::Status::not_utf8: return Status::not_utf8;
    case json::Status::syntax: return Status::not_json;
    case json::Status::bad_number: return Status::bad_number;
    case json::Status::bad_string: return Status::bad_string;
    case json::Status::too_deep: return Status::too_deep;
    case json::Status::duplicate_key: return Status::duplicate_key;
  }
  return Status::not_json;
}

std::uint8_t type_bits(simdjson::dom::element_type t) noexcept {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::NULL_VALUE: return kNull;
    case element_type::BOOL: return kBoolean;
    case element_type::OBJECT: return kObject;
    case element_type::ARRAY: return kArray;
    // Only integer tokens are integers: 1.0 and 1e2 are refused where an integer is due.
    case element_type::INT64:
    case element_type::UINT64: return kNumber | kInteger;
    case element_type::DOUBLE: return kNumber;
    case element_type::STRING: return kString;
  }
  return 0;
}

std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

void append_token(std::string& out, std::string_view key) noexcept {
  out.push_back('/');
  for (char c : key) {
    if (c == '~') { out.push_back('~'); out.push_back('0'); }
    else if (c == '/') { out.push_back('~'); out.push_back('1'); }
    else out.push_back(c);
  }
}

}  // namespace

Validator::Validator(const SchemaSet& set, std::size_t max_bytes, std::size_t max_depth)
    : set_(set), parser_(max_bytes, max_depth), max_path_(max_depth + 2) {
  path_.reserve(max_path_);
  // A pointer is at most every key escaped (2 bytes per byte) plus one index per level.
  pointer_.reserve(2 * max_bytes + 24 * max_path_);
}

Status Validator::fail_at_key(Status s, std::string_view key) noexcept {
  if (quiet_ > 0) return s;
  fail(s);
  append_token(pointer_, key);
  return s;
}

Status Validator::fail(Status s) noexcept {
  if (quiet_ > 0) return s;
  pointer_.clear();
  for (const Segment& seg : path_) {
    if (!seg.is_index) { append_token(pointer_, seg.key); continue; }
    char digits[24];
    auto r = std::to_chars(digits, digits + sizeof digits, seg.index);
    pointer_.push_back('/');
    pointer_.append(digits, r.ptr);
  }
  return s;
}

Status Validator::check_object(const SchemaNode& n, simdjson::dom::object obj) noexcept {
  for (const std::string& name : n.required) {
    if (obj.at_key(name).error() != simdjson::SUCCESS) return fail_at_key(Status::required, name);
  }
  if (n.properties.empty() && n.additional_allowed) return Status::ok;
  for (auto field : obj) {
    std::int32_t child = -1;
    for (const auto& [name, idx] : n.properties) {
      if (name == field.key) { child = idx; break; }
    }
    if (child < 0) {
      if (!n.additional_allowed) return fail_at_key(Status::additional_property, field.key);
      continue;
    }
    if (path_.size() >= max_path_) return fail(Status::too_deep);
    path_.push_back({field.key, 0, false});
    Status s = check(child, field.value);
    path_.pop_back();
    if (s != Status::ok) return s;
  }
  return Status::ok;
}

Status Validator::check(std::int32_t index, simdjson::dom::element e) noexcept {
  const SchemaNode& n = set_.node(index);
  if (n.always_false) return fail(Status::false_schema);
  if (n.ref >= 0) {
    if (++calls_ > kMaxCalls) return fail(Status::too_deep);
    Status s = check(n.ref, e);
    --calls_;
    return s;
  }
  const auto t = e.type();
  if (n.types != 0 && (n.types & type_bits(t)) == 0) return fail(Status::type);
  if (n.has_const && !json_equal(e, n.const_value)) return fail(Status::const_mismatch);
  if (!n.enum_values.empty()) {
    bool found = false;
    for (const auto& v : n.enum_values) {
      if (json_equal(e, v)) { found = true; break; }
    }
    if (!found) return fail(Status::enum_mismatch);
  }
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      // Byte length bounds the code point count from above, so most strings skip counting.
      if (n.max_length >= 0 && s.size() > static_cast<std::size_t>(n.max_length) &&
          code_points(s) > static_cast<std::size_t>(n.max_length))
        return fail(Status::max_length);
      if (n.min_length > 0 && code_points(s) < static_cast<std::size_t>(n.min_length)) return fail(Status::min_length);
      if (n.pattern >= 0 && !set_.pattern(n.pattern).matches(s)) return fail(Status::pattern);
      break;
    }
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      if (n.has_minimum && compare_numbers(e, n.minimum) < 0) return fail(Status::minimum);
      if (n.has_maximum && compare_numbers(e, n.maximum) > 0) return fail(Status::maximum);
      if (n.has_exclusive_minimum && compare_numbers(e, n.exclusive_minimum) <= 0) return fail(Status::minimum);
      if (n.has_exclusive_maximum && compare_numbers(e, n.exclusive_maximum) >= 0) return fail(Status::maximum);
      break;
    case element_type::OBJECT:
      if (Status s = check_object(n, e.get_object().value_unsafe()); s != Status::ok) return s;
      break;
    case element_type::ARRAY: {
      auto arr = e.get_array().value_unsafe();
      if (n.max_items >= 0 && arr.size() > static_cast<std::size_t>(n.max_items)) return fail(Status::max_items);
      if (n.items >= 0) {
        if (path_.size() >= max_path_) return fail(Status::too_deep);
        std::size_t i = 0;
        for (auto item : arr) {
          path_.push_back({{}, i++, true});
          Status s = check(n.items, item);
          path_.pop_back();
          if (s != Status::ok) return s;
        }
      }
      break;
    }
    default: break;
  }
  if (++calls_ > kMaxCalls) return fail(Status::too_deep);
  Status result = Status::ok;
  for (std::int32_t sub : n.all_of) {
    result = check(sub, e);
    if (result != Status::ok) break;
  }
  if (result == Status::ok && !n.dispatch.empty()) result = check_dispatch(n, e);
  if (result == Status::ok && n.if_ >= 0) {
    ++quiet_;
    Status cond = check(n.if_, e);
    --quiet_;
    std::int32_t branch = cond == Status::ok ? n.then_ : n.else_;
    if (branch >= 0) result = check(branch, e);
  }
  --calls_;
  return result;
}

// See SchemaNode::dispatch: same answer as evaluating every indexed if/then, one branch taken.
Status Validator::check_dispatch(const SchemaNode& n, simdjson::dom::element e) noexcept {
  simdjson::dom::object obj;
  simdjson::dom::element value;
  if (e.get(obj) != simdjson::SUCCESS || obj.at_key(n.dispatch_key).get(value) != simdjson::SUCCESS) {
    for (std::int32_t sub : n.dispatch_all)
      if (Status s = check(sub, e); s != Status::ok) return s;
    return Status::ok;
  }
  std::string_view s;
  if (value.get(s) != simdjson::SUCCESS) return Status::ok;  // no string const matches
  for (const auto& [match, then] : n.dispatch)
    if (match == s) return check(then, e);
  return Status::ok;
}

Verdict Validator::validate(std::string_view bytes) noexcept {
  Verdict v;
  pointer_.clear();
  path_.clear();
  calls_ = 0;
  quiet_ = 0;
  // The size check comes first: an oversized blob is refused before a byte is parsed.
  if (bytes.size() > parser_.max_bytes()) {
    v.status = Status::too_large;
    return v;
  }
  if (auto s = parser_.parse(bytes, v.root); s != json::Status::ok) {
    v.status = from_json(s);
    return v;
  }
  simdjson::dom::object obj;
  if (v.root.get(obj) == simdjson::SUCCESS) {
    std::string_view kind;
    if (obj.at_key("kind").get(kind) == simdjson::SUCCESS) v.kind = kind;
  }
  v.status = check(set_.root(), v.root);
  v.pointer = pointer_;
  // The envelope's own fields get names of their own: they are what operators look for.
  if (v.status == Status::enum_mismatch && v.pointer == "/kind") v.status = Status::unknown_kind;
  if ((v.status == Status::const_mismatch || v.status == Status::type) && v.pointer == "/v") v.status = Status::bad_version;
  return v;
}

Verdict Validator::validate(std::string_view bytes, std::string_view topic_suffix) noexcept {
  Verdict v = validate(bytes);
  if (v.status == Status::ok && !set_.kind_allows_topic(v.kind, topic_suffix)) v.status = Status::topic_mismatch;
  return v;
}

}  // namespace amo::envelope
