#include "core/envelope/status.h"

namespace amo::envelope {

std::string_view name(Status s) noexcept {
  switch (s) {
#define AMO_X(n) \
  case Status::n: return #n;
    AMO_ENVELOPE_STATUS(AMO_X)
#undef AMO_X
  }
  return "unknown";
}

}  // namespace amo::envelope
