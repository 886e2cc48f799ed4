#include "core/token/status.h"

namespace amo::token {

AMO_ENUM_NAME(Status, AMO_TOKEN_STATUS)

}  // namespace amo::token
