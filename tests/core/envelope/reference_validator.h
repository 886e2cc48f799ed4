#pragma once
// valijson (Debian libvalijson-dev) over nlohmann::json with the same schema files: the C++
// reference validator for the differential test and the benchmark.
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "core/envelope/schema_set.h"

namespace amo::envelope::test {

class ReferenceValidator {
 public:
  explicit ReferenceValidator(const std::vector<SchemaFile>& files) {
    std::map<std::string, nlohmann::json> docs;
    nlohmann::json root;
    for (const auto& f : files) {
      docs[f.name] = nlohmann::json::parse(f.text);
      if (f.name == kRootSchema) root = docs[f.name];
    }
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(root);
    auto fetch = [docs](const std::string& uri) -> const nlohmann::json* {
      std::string name = uri.substr(uri.rfind('/') + 1);
      auto it = docs.find(name);
      if (it == docs.end()) throw std::runtime_error("unknown schema " + uri);
      return new nlohmann::json(it->second);
    };
    auto release = [](const nlohmann::json* d) { delete d; };
    parser.populateSchema(adapter, schema_, fetch, release);
  }

  // false for bytes nlohmann cannot parse (invalid JSON or UTF-8) and for schema failures.
  bool valid(std::string_view bytes) {
    nlohmann::json doc = nlohmann::json::parse(bytes, nullptr, false);
    if (doc.is_discarded()) return false;
    return valid_document(doc);
  }
  bool valid_document(const nlohmann::json& doc) {
    valijson::adapters::NlohmannJsonAdapter target(doc);
    return validator_.validate(schema_, target, nullptr);
  }

 private:
  valijson::Schema schema_;
  valijson::Validator validator_;  // kept: it caches compiled std::regex objects
};

}  // namespace amo::envelope::test
