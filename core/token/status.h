#pragma once
// Every reason a connect token is refused (DESIGN §2): one list for the log line, the
// metric label and the test assertion.
#include "core/enum_list.h"
#include <string_view>

namespace amo::token {

#define AMO_TOKEN_STATUS(X) \
  X(ok)                     \
  X(too_large)              \
  X(malformed)              \
  X(bad_base64)             \
  X(bad_header_json)        \
  X(alg_none)               \
  X(alg_mismatch)           \
  X(unknown_kid)            \
  X(bad_typ)                \
  X(forbidden_header)       \
  X(bad_signature)          \
  X(bad_payload_json)       \
  X(duplicate_key)          \
  X(wrong_issuer)           \
  X(wrong_audience)         \
  X(missing_claim)          \
  X(bad_claim_type)         \
  X(bad_id)                 \
  X(expired)                \
  X(not_yet_valid)          \
  X(issued_in_future)       \
  X(lifetime_too_long)      \
  X(bad_jti)                \
  X(bad_cid)                \
  X(too_many_threads)       \
  X(bad_role)               \
  X(session_expired)

AMO_ENUM(Status, AMO_TOKEN_STATUS)

}  // namespace amo::token
