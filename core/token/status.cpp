#include "core/token/status.h"

namespace amo::token {

std::string_view name(Status s) noexcept {
  switch (s) {
#define AMO_X(n) \
  case Status::n: return #n;
    AMO_TOKEN_STATUS(AMO_X)
#undef AMO_X
  }
  return "unknown";
}

}  // namespace amo::token
