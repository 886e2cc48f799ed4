#pragma once
// Every reason an envelope, a schema file or a stamp is refused: one list, used for the log
// line, the stats key and the test assertion alike.
#include "core/enum_list.h"
#include <string_view>

namespace amo::envelope {

#define AMO_ENVELOPE_STATUS(X) \
  X(ok)                        \
  X(too_large)                 \
  X(not_json)                  \
  X(not_utf8)                  \
  X(bad_string)                \
  X(bad_number)                \
  X(too_deep)                  \
  X(duplicate_key)             \
  X(type)                      \
  X(required)                  \
  X(additional_property)       \
  X(false_schema)              \
  X(enum_mismatch)             \
  X(const_mismatch)            \
  X(pattern)                   \
  X(min_length)                \
  X(max_length)                \
  X(minimum)                   \
  X(maximum)                   \
  X(max_items)                 \
  X(unknown_kind)              \
  X(bad_version)               \
  X(topic_mismatch)            \
  X(schema_not_json)           \
  X(schema_unsupported)        \
  X(schema_bad_keyword)        \
  X(schema_bad_ref)            \
  X(schema_bad_pattern)        \
  X(schema_missing_root)       \
  X(not_validated)             \
  X(bad_identity)

AMO_ENUM(Status, AMO_ENVELOPE_STATUS)

}  // namespace amo::envelope
