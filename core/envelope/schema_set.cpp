#include "core/envelope/schema_set.h"

#include <algorithm>
#include <unordered_map>

#include "core/ids.h"

namespace amo::envelope {

namespace {

constexpr std::size_t kMaxSchemaDepth = 64;

bool is_annotation(std::string_view k) {
  return k == "$id" || k == "$schema" || k == "title" || k == "description" || k == "$comment" ||
         k == "examples" || k == "default" || k == "x-topics" || k == "definitions";
}

void append_pointer_token(std::string& out, std::string_view key) {
  out.push_back('/');
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out.push_back(c);
  }
}

// RFC 3986 reference resolution, reduced to the forms schema files use ("#...", "name.json",
// "/path", absolute URIs); "." and ".." segments are not normalised.
std::string resolve_uri(std::string_view base, std::string_view ref) {
  if (std::size_t h = base.find('#'); h != std::string_view::npos) base = base.substr(0, h);
  if (ref.empty() || ref.front() == '#') return std::string(base) + std::string(ref);
  std::size_t colon = ref.find(':');
  if (colon != std::string_view::npos && ref.substr(0, colon).find('/') == std::string_view::npos)
    return std::string(ref);
  if (ref.front() == '/') {
    std::size_t scheme = base.find("://");
    if (scheme == std::string_view::npos) return std::string(ref);
    std::size_t path = base.find('/', scheme + 3);
    return std::string(base.substr(0, path)) + std::string(ref);
  }
  std::size_t slash = base.rfind('/');
  if (slash == std::string_view::npos) return std::string(ref);
  return std::string(base.substr(0, slash + 1)) + std::string(ref);
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') { out.push_back(in[i]); continue; }
    if (i + 2 >= in.size()) return false;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool non_negative_integer(simdjson::dom::element e, std::int64_t& out) {
  std::int64_t i;
  if (e.get(i) == simdjson::SUCCESS) { out = i; return i >= 0; }
  std::uint64_t u;
  if (e.get(u) == simdjson::SUCCESS) { out = INT64_MAX; return true; }
  double d;
  if (e.get(d) == simdjson::SUCCESS && d >= 0 && d <= 9.0e18 && static_cast<double>(static_cast<std::int64_t>(d)) == d) {
    out = static_cast<std::int64_t>(d);
    return true;
  }
  return false;
}

bool type_bit(std::string_view t, std::uint8_t& bits) {
  if (t == "null") bits |= kNull;
  else if (t == "boolean") bits |= kBoolean;
  else if (t == "object") bits |= kObject;
  else if (t == "array") bits |= kArray;
  else if (t == "number") bits |= kNumber;
  else if (t == "string") bits |= kString;
  else if (t == "integer") bits |= kInteger;
  else return false;
  return true;
}

}  // namespace

class SchemaLoader {
 public:
  LoadResult run(std::span<const SchemaFile> files, std::string_view root_name);

 private:
  struct Doc {
    std::string name;
    std::string base;
    simdjson::dom::element root;
  };
  struct PendingRef {
    std::int32_t node;
    std::size_t doc;
    std::string ref;
  };

  bool fail(Status s, std::size_t doc, std::string_view pointer, std::string_view what) {
    status_ = s;
    error_ = docs_[doc].name + " at #" + std::string(pointer) + ": " + std::string(what);
    return false;
  }
  bool compile(simdjson::dom::element e, std::size_t doc, std::string& pointer, std::int32_t& out);
  bool compile_child(simdjson::dom::element e, std::size_t doc, std::string& pointer, std::string_view key,
                     std::int32_t& out) {
    std::size_t mark = pointer.size();
    append_pointer_token(pointer, key);
    bool ok = compile(e, doc, pointer, out);
    if (ok) pointer.resize(mark);
    return ok;
  }
  bool resolve_refs();
  bool collect_kinds();
  void index_dispatch();
  std::string location_key(std::size_t doc, std::string_view pointer) {
    return std::to_string(doc) + "#" + std::string(pointer);
  }

  std::unique_ptr<SchemaSet> set_ = std::make_unique<SchemaSet>();
  std::vector<Doc> docs_;
  std::vector<PendingRef> refs_;
  std::unordered_map<std::string, std::int32_t> locations_;
  std::unordered_map<std::string, std::size_t> doc_by_uri_;
  Status status_ = Status::ok;
  std::string error_;
};

bool SchemaLoader::compile(simdjson::dom::element e, std::size_t doc, std::string& pointer, std::int32_t& out) {
  if (pointer.size() > 4096) return fail(Status::schema_bad_keyword, doc, pointer, "schema nested too deep");
  const auto idx = static_cast<std::int32_t>(set_->nodes_.size());
  set_->nodes_.emplace_back();
  locations_[location_key(doc, pointer)] = idx;
  out = idx;
  auto node = [&]() -> SchemaNode& { return set_->nodes_[static_cast<std::size_t>(idx)]; };

  bool b;
  if (e.get(b) == simdjson::SUCCESS) {
    node().always_false = !b;
    return true;
  }
  simdjson::dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) return fail(Status::schema_bad_keyword, doc, pointer, "a schema must be an object or a boolean");

  bool has_ref = false;
  bool has_assertion = false;
  for (auto field : obj) {
    std::string_view k = field.key;
    simdjson::dom::element v = field.value;
    std::string kw = "keyword '" + std::string(k) + "'";
    if (k == "$ref") {
      std::string_view r;
      if (v.get(r) != simdjson::SUCCESS) return fail(Status::schema_bad_keyword, doc, pointer, kw + " must be a string");
      refs_.push_back({idx, doc, std::string(r)});
      has_ref = true;
      continue;
    }
    if (k == "$id" && !pointer.empty()) return fail(Status::schema_unsupported, doc, pointer, "'$id' in a subschema (base URI changes) is not supported");
    if (k == "$schema") {
      std::string_view s;
      if (v.get(s) != simdjson::SUCCESS || (s != "http://json-schema.org/draft-07/schema#" && s != "http://json-schema.org/draft-07/schema"))
        return fail(Status::schema_unsupported, doc, pointer, "only draft-07 ($schema) is supported");
      continue;
    }
    if (k == "definitions") {
      simdjson::dom::object defs;
      if (v.get(defs) != simdjson::SUCCESS) return fail(Status::schema_bad_keyword, doc, pointer, kw + " must be an object");
      std::size_t mark = pointer.size();
      pointer += "/definitions";
      for (auto d : defs) {
        std::int32_t ignored;
        if (!compile_child(d.value, doc, pointer, d.key, ignored)) return false;
      }
      pointer.resize(mark);
      continue;
    }
    if (is_annotation(k)) continue;
    has_assertion = true;
    if (k == "type") {
      std::string_view t;
      simdjson::dom::array ts;
      std::uint8_t bits = 0;
      if (v.get(t) == simdjson::SUCCESS) {
        if (!type_bit(t, bits)) return fail(Status::schema_bad_keyword, doc, pointer, "unknown type '" + std::string(t) + "'");
      } else if (v.get(ts) == simdjson::SUCCESS) {
        for (auto x : ts) {
          if (x.get(t) != simdjson::SUCCESS || !type_bit(t, bits))
            return fail(Status::schema_bad_keyword, doc, pointer, "bad entry in 'type'");
        }
        if (bits == 0) return fail(Status::schema_bad_keyword, doc, pointer, "empty 'type'");
      } else {
        return fail(Status::schema_bad_keyword, doc, pointer, kw + " must be a string or an array");
      }
      node().types = bits;
    } else if (k == "const") {
      node().has_const = true;
      node().const_value = v;
    } else if (k == "enum") {
      simdjson::dom::array vals;
      if (v.get(vals) != simdjson::SUCCESS) return fail(Status::schema_bad_keyword, doc, pointer, kw + " must be an array");
      for (auto x : vals) node().enum_values.push_back(x);
      if (node().enum_values.empty()) node().always_false = true;
    } else if (k == "pattern") {
      std::string_view p;
      if (v.get(p) != simdjson::SUCCESS) return fail(Status::schema_bad_keyword, doc, pointer, kw + " must be a string");
      Pattern compiled;
      std::string why;
      if (!compiled.compile(p, why)) return fail(Status::schema_bad_pattern, doc, pointer, why + " in \"" + std::string(p) + "\"");
      node().pattern = static_cast<std::int32_t>(set_->patterns_.size());
      set_->patterns_.push_back(std::move(compiled));
    } else if (k == "minLength" || k == "maxLength" || k == "maxItems") {
      std::int64_t n;
      if (!non_negative_integer(v, n)) return fail(Status::schema_bad_keyword, doc, pointer, kw + " must be a non-negative integer");
      (k == "minLength" ? node().min_length : k == "maxLength" ? node().max_length : node().max_items) = n;
    } else if (k == "minimum" || k == "maximum" || k == "exclusiveMinimum" || k == "exclusiveMaximum") {
      if (!v.is_number()) return fail(Status::schema_bad_keyword, doc, pointer, kw + " must be a number");
      if (k == "minimum") { node().has_minimum = true; node().minimum = v; }
      else if (k == "maximum") { node().has_maximum = true; node().maximum = v; }
      else if (k == "exclusiveMinimum") { node().has_exclusive_minimum = true; node().exclusive_minimum = v; }
      else { node().has_exclusive_maximum = true; node().exclusive_maximum = v; }
    } else if (k == "items") {
      if (v.is_array()) return fail(Status::schema_unsupported, doc, pointer, "'items' as an array (tuple form) is not supported");
      std::int32_t child;
      if (!compile_child(v, doc, pointer, "items", child)) return false;
      node().items = child;
    } else if (k == "properties") {
      simdjson::dom::object props;
      if (v.get(props) != simdjson::SUCCESS) return fail(Status::schema_bad_keyword, doc, pointer, kw + " must be an object");
      std::size_t mark = pointer.size();
      pointer += "/properties";
      for (auto p : props) {
        std::int32_t child;
        if (!compile_child(p.value, doc, pointer, p.key, child)) return false;
        node().properties.emplace_back(std::string(p.key), child);
      }
      pointer.resize(mark);
    } else if (k == "required") {
      simdjson::dom::array names;
      if (v.get(names) != simdjson::SUCCESS) return fail(Status::schema_bad_keyword, doc, pointer, kw + " must be an array");
      for (auto n : names) {
        std::string_view s;
        if (n.get(s) != simdjson::SUCCESS) return fail(Status::schema_bad_keyword, doc, pointer, "'required' entries must be strings");
        node().required.emplace_back(s);
      }
    } else if (k == "additionalProperties") {
      bool allowed;
      if (v.get(allowed) != simdjson::SUCCESS)
        return fail(Status::schema_unsupported, doc, pointer, "'additionalProperties' must be true or false (schemas there are not supported)");
      node().additional_allowed = allowed;
    } else if (k == "allOf") {
      simdjson::dom::array subs;
      if (v.get(subs) != simdjson::SUCCESS || subs.size() == 0) return fail(Status::schema_bad_keyword, doc, pointer, kw + " must be a non-empty array");
      std::size_t mark = pointer.size();
      pointer += "/allOf";
      std::size_t i = 0;
      for (auto s : subs) {
        std::int32_t child;
        if (!compile_child(s, doc, pointer, std::to_string(i++), child)) return false;
        node().all_of.push_back(child);
      }
      pointer.resize(mark);
    } else if (k == "if" || k == "then" || k == "else") {
      std::int32_t child;
      if (!compile_child(v, doc, pointer, k, child)) return false;
      (k == "if" ? node().if_ : k == "then" ? node().then_ : node().else_) = child;
    } else {
      return fail(Status::schema_unsupported, doc, pointer, kw + " is not supported by this validator");
    }
  }
  if (has_ref && has_assertion) return fail(Status::schema_unsupported, doc, pointer, "keywords beside '$ref' (draft-07 ignores them; write them in the target)");
  return true;
}

bool SchemaLoader::resolve_refs() {
  std::string fragment;
  for (const PendingRef& r : refs_) {
    std::string target = resolve_uri(docs_[r.doc].base, r.ref);
    std::size_t hash = target.find('#');
    std::string uri = target.substr(0, hash);
    std::string raw_fragment = hash == std::string::npos ? "" : target.substr(hash + 1);
    std::size_t doc = r.doc;
    if (!uri.empty() && uri != docs_[r.doc].base) {
      auto it = doc_by_uri_.find(uri);
      if (it == doc_by_uri_.end()) it = doc_by_uri_.find(uri.substr(uri.rfind('/') + 1));  // relative file name
      if (it == doc_by_uri_.end()) return fail(Status::schema_bad_ref, r.doc, "", "'$ref' to an unknown schema \"" + r.ref + "\"");
      doc = it->second;
    }
    if (!percent_decode(raw_fragment, fragment)) return fail(Status::schema_bad_ref, r.doc, "", "bad escape in '$ref' \"" + r.ref + "\"");
    if (!fragment.empty() && fragment.front() != '/')
      return fail(Status::schema_unsupported, r.doc, "", "plain-name '$ref' fragments are not supported: \"" + r.ref + "\"");
    auto loc = locations_.find(location_key(doc, fragment));
    if (loc == locations_.end()) return fail(Status::schema_bad_ref, r.doc, "", "'$ref' \"" + r.ref + "\" names no schema");
    set_->nodes_[static_cast<std::size_t>(r.node)].ref = loc->second;
  }
  return true;
}

bool SchemaLoader::collect_kinds() {
  for (std::size_t d = 0; d < docs_.size(); ++d) {
    simdjson::dom::array topics;
    auto found = docs_[d].root["x-topics"];
    if (found.error() == simdjson::NO_SUCH_FIELD || found.error() == simdjson::INCORRECT_TYPE) continue;
    if (found.get(topics) != simdjson::SUCCESS) return fail(Status::schema_bad_keyword, d, "", "'x-topics' must be an array of strings");
    std::string_view kind;
    if (docs_[d].root.at_pointer("/properties/kind/const").get(kind) != simdjson::SUCCESS)
      return fail(Status::schema_bad_keyword, d, "", "'x-topics' needs the kind as properties.kind.const");
    SchemaSet::Kind k{std::string(kind), {}};
    for (auto t : topics) {
      std::string_view s;
      if (t.get(s) != simdjson::SUCCESS || s.empty()) return fail(Status::schema_bad_keyword, d, "", "'x-topics' entries must be non-empty strings");
      k.topics.emplace_back(s);
    }
    for (const auto& other : set_->kinds_)
      if (other.name == k.name) return fail(Status::schema_bad_keyword, d, "", "kind '" + k.name + "' has two schema files");
    set_->kinds_.push_back(std::move(k));
  }
  return true;
}

LoadResult SchemaLoader::run(std::span<const SchemaFile> files, std::string_view root_name) {
  for (const SchemaFile& f : files) {
    auto parser = std::make_unique<json::StrictParser>(std::max<std::size_t>(f.text.size(), 64), kMaxSchemaDepth);
    simdjson::dom::element root;
    if (auto s = parser->parse(f.text, root); s != json::Status::ok)
      return {nullptr, Status::schema_not_json, f.name + ": not strict JSON (" + std::string(json::name(s)) + ")"};
    std::string base = f.name;
    std::string_view id;
    if (root["$id"].get(id) == simdjson::SUCCESS) {
      base = std::string(id);
      if (std::size_t h = base.find('#'); h != std::string::npos) base.resize(h);
    }
    doc_by_uri_[f.name] = docs_.size();
    doc_by_uri_[base] = docs_.size();
    docs_.push_back({f.name, base, root});
    set_->documents_.push_back(std::move(parser));
  }
  std::string pointer;
  for (std::size_t d = 0; d < docs_.size(); ++d) {
    std::int32_t idx;
    pointer.clear();
    if (!compile(docs_[d].root, d, pointer, idx)) return {nullptr, status_, error_};
    if (docs_[d].name == root_name) set_->root_ = idx;
  }
  if (!resolve_refs() || !collect_kinds()) return {nullptr, status_, error_};
  index_dispatch();
  if (set_->root_ < 0) return {nullptr, Status::schema_missing_root, "no schema file named " + std::string(root_name)};
  return {std::move(set_), Status::ok, {}};
}

namespace {
// The K and "<s>" of an `if` node that is exactly {"properties":{K:{"const":"<s>"}}}.
bool const_test(const SchemaSet& set, std::int32_t i, std::string_view& key, std::string_view& value) {
  const SchemaNode& n = set.node(i);
  if (n.properties.size() != 1 || !n.required.empty() || !n.additional_allowed || n.types != 0 || n.has_const ||
      !n.enum_values.empty() || !n.all_of.empty() || n.if_ >= 0 || n.ref >= 0 || n.always_false)
    return false;
  const SchemaNode& p = set.node(n.properties[0].second);
  if (!p.has_const || p.types != 0 || !p.enum_values.empty() || p.pattern >= 0 || !p.properties.empty() ||
      !p.all_of.empty() || p.if_ >= 0 || p.ref >= 0 || p.min_length >= 0 || p.max_length >= 0 || p.has_minimum ||
      p.has_maximum || p.has_exclusive_minimum || p.has_exclusive_maximum || p.max_items >= 0 || p.items >= 0)
    return false;
  key = n.properties[0].first;
  return p.const_value.get(value) == simdjson::SUCCESS;
}

// True if node i is exactly {"if": I, "then": T} (no else, nothing else).
bool if_then_only(const SchemaNode& n) {
  return n.if_ >= 0 && n.then_ >= 0 && n.else_ < 0 && n.types == 0 && !n.has_const && n.enum_values.empty() &&
         n.properties.empty() && n.required.empty() && n.additional_allowed && n.all_of.empty() && n.ref < 0 &&
         !n.always_false && n.pattern < 0 && n.min_length < 0 && n.max_length < 0 && !n.has_minimum &&
         !n.has_maximum && !n.has_exclusive_minimum && !n.has_exclusive_maximum && n.max_items < 0 && n.items < 0;
}
}  // namespace

void SchemaLoader::index_dispatch() {
  for (std::size_t i = 0; i < set_->nodes_.size(); ++i) {
    std::vector<std::int32_t> rest, members;
    std::vector<std::pair<std::string_view, std::int32_t>> dispatch;
    std::string_view dispatch_key;
    for (std::int32_t sub : set_->nodes_[i].all_of) {
      const SchemaNode& m = set_->node(sub);
      std::string_view key, value;
      const bool indexable = if_then_only(m) && const_test(*set_, m.if_, key, value) &&
                             (dispatch_key.empty() || key == dispatch_key) &&
                             std::none_of(dispatch.begin(), dispatch.end(), [&](const auto& d) { return d.first == value; });
      if (!indexable) {
        rest.push_back(sub);
        continue;
      }
      dispatch_key = key;
      dispatch.emplace_back(value, m.then_);
      members.push_back(sub);
    }
    if (dispatch.size() < 2) continue;  // nothing to gain
    SchemaNode& n = set_->nodes_[i];
    n.all_of = std::move(rest);
    n.dispatch_key = dispatch_key;
    n.dispatch = std::move(dispatch);
    n.dispatch_all = std::move(members);
  }
}

LoadResult load_schemas(std::span<const SchemaFile> files, std::string_view root_name) {
  return SchemaLoader().run(files, root_name);
}

std::span<const std::string> SchemaSet::topics(std::string_view kind) const noexcept {
  for (const Kind& k : kinds_)
    if (k.name == kind) return k.topics;
  return {};
}

bool SchemaSet::kind_allows_topic(std::string_view kind, std::string_view topic_suffix) const noexcept {
  for (std::string_view entry : topics(kind)) {
    std::string_view t = topic_suffix;
    bool match = true;
    while (match) {
      std::size_t es = entry.find('/'), ts = t.find('/');
      std::string_view el = entry.substr(0, es), tl = t.substr(0, ts);
      bool placeholder = el.size() >= 2 && el.front() == '{' && el.back() == '}';
      match = placeholder ? is_valid_id(tl) : el == tl;
      if ((es == std::string_view::npos) != (ts == std::string_view::npos)) match = false;
      if (!match || es == std::string_view::npos) break;
      entry.remove_prefix(es + 1);
      t.remove_prefix(ts + 1);
    }
    if (match) return true;
  }
  return false;
}

}  // namespace amo::envelope
