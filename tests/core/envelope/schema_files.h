#pragma once
// Test-side I/O: read every *.json of a schema directory (core itself never reads files).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/envelope/schema_set.h"

namespace amo::envelope::test {

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<SchemaFile> read_schema_dir(const std::filesystem::path& dir = AMO_SOURCE_DIR "/schemas") {
  std::vector<SchemaFile> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back({e.path().filename().string(), read_file(e.path())});
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return files;
}

}  // namespace amo::envelope::test
