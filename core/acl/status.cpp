#include "core/acl/status.h"

namespace amo::acl {

AMO_ENUM_NAME(Status, AMO_ACL_STATUS)

}  // namespace amo::acl
