#pragma once
// The source tree's schemas/ for tests and benchmarks, read through the one reader (io/).
#include <string>
#include <vector>

#include "io/files.h"

namespace amo::envelope::test {

inline std::vector<SchemaFile> read_schema_dir() { return io::read_schema_dir(AMO_SOURCE_DIR "/schemas"); }
using io::read_file;

}  // namespace amo::envelope::test
