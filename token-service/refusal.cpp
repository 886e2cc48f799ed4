#include "token-service/refusal.h"

namespace amo::token_service {

std::string_view name(Refusal r) noexcept {
  switch (r) {
#define AMO_REFUSAL_CASE_(n, status) \
  case Refusal::n:                   \
    return #n;
    AMO_REFUSAL_LIST(AMO_REFUSAL_CASE_)
#undef AMO_REFUSAL_CASE_
  }
  return "unknown";
}

int http_status(Refusal r) noexcept {
  switch (r) {
#define AMO_REFUSAL_CASE_(n, status) \
  case Refusal::n:                   \
    return status;
    AMO_REFUSAL_LIST(AMO_REFUSAL_CASE_)
#undef AMO_REFUSAL_CASE_
  }
  return 500;
}

}  // namespace amo::token_service
