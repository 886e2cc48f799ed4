#pragma once
// The compiled schema tree of schemas/ (DESIGN §4), loaded at run time from the text of the
// schema files (the caller reads schema_dir): changing a limit in a schema file changes
// behaviour without a rebuild, and there is no second, hand-written copy of the rules.
// Loading refuses any keyword it does not implement (annotations aside), so a schema can
// never silently mean more than the validator checks.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/envelope/pattern.h"
#include "core/envelope/schema_node.h"
#include "core/envelope/status.h"
#include "core/json/strict_parse.h"

namespace amo::envelope {

// The root schema every envelope is checked against.
inline constexpr std::string_view kRootSchema = "envelope.v1.json";

struct SchemaFile {
  std::string name;  // relative to schema_dir, e.g. "chat.message.v1.json"
  std::string text;
};

class SchemaSet {
 public:
  // topic_suffix is the topic after "amo/{amo}/", e.g. "thread/T1/chat"; it is matched
  // against the kind's x-topics entries, where a {placeholder} is one level holding a valid id.
  bool kind_allows_topic(std::string_view kind, std::string_view topic_suffix) const noexcept;
  // The x-topics of a kind (empty for an unknown kind).
  std::span<const std::string> topics(std::string_view kind) const noexcept;
  std::size_t kind_count() const noexcept { return kinds_.size(); }

  std::int32_t root() const noexcept { return root_; }
  const SchemaNode& node(std::int32_t i) const noexcept { return nodes_[static_cast<std::size_t>(i)]; }
  const Pattern& pattern(std::int32_t i) const noexcept { return patterns_[static_cast<std::size_t>(i)]; }

 private:
  friend class SchemaLoader;
  struct Kind {
    std::string name;
    std::vector<std::string> topics;
  };
  std::vector<std::unique_ptr<json::StrictParser>> documents_;  // const/enum/limits point into them
  std::vector<SchemaNode> nodes_;
  std::vector<Pattern> patterns_;
  std::vector<Kind> kinds_;
  std::int32_t root_ = -1;
};

struct LoadResult {
  std::unique_ptr<SchemaSet> set;  // null unless status == ok
  Status status = Status::ok;
  std::string error;  // names the file and the keyword
};

// root_name: the file whose schema validate() applies (kRootSchema for envelopes).
LoadResult load_schemas(std::span<const SchemaFile> files, std::string_view root_name = kRootSchema);

}  // namespace amo::envelope
