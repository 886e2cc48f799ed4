#include "core/acl/status.h"

namespace amo::acl {

std::string_view name(Status s) noexcept {
  switch (s) {
#define AMO_X(n) \
  case Status::n: return #n;
    AMO_ACL_STATUS(AMO_X)
#undef AMO_X
  }
  return "unknown";
}

}  // namespace amo::acl
