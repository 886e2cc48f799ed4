#include "core/envelope/status.h"

namespace amo::envelope {

AMO_ENUM_NAME(Status, AMO_ENVELOPE_STATUS)

}  // namespace amo::envelope
