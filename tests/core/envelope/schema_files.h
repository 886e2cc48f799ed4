#pragma once
// The source tree's schemas/ for tests and benchmarks, read through the one reader (io/).
#include <stdexcept>
#include <string>
#include <vector>

#include "io/files.h"

namespace amo::envelope::test {

inline std::vector<SchemaFile> read_schema_dir() { return io::read_schema_dir(AMO_SOURCE_DIR "/schemas"); }
using io::read_file;

// The shipped schemas, loaded once per executable; a load failure throws (the test case fails).
inline const SchemaSet& schemas() {
  static const LoadResult r = load_schemas(read_schema_dir());
  if (r.status != Status::ok) throw std::runtime_error("schemas/ failed to load: " + r.error);
  return *r.set;
}

}  // namespace amo::envelope::test
