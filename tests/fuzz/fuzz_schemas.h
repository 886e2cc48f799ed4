#pragma once
// The repository's schemas/, loaded once at fuzzer start; a broken schema set aborts the run.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/envelope/schema_set.h"
#include "io/files.h"

namespace amo::fuzz {

inline std::unique_ptr<envelope::SchemaSet> schemas_or_abort() {
  envelope::LoadResult r = envelope::load_schemas(io::read_schema_dir(AMO_SOURCE_DIR "/schemas"));
  if (r.status != envelope::Status::ok) {
    std::fprintf(stderr, "schemas/ did not load: %s\n", r.error.c_str());
    std::abort();
  }
  return std::move(r.set);
}

}  // namespace amo::fuzz
