#pragma once
// APP_ENV=production refusals (DESIGN §8): a missing signing or verifying key, a key shipped
// in this repository for the demo (deploy/demo/, compared by key material), an HMAC secret
// under 32 bytes, CORS `*`, a plaintext password inside database_url in the file.
#include <optional>

#include "daemon/config/config.h"

namespace amo::config {

// Reads the key files `config` names for `program`; the first refusal, or nullopt. Its
// message starts "refused under APP_ENV=production: ".
std::optional<Error> production_refusal(const Config& config, Program program);

}  // namespace amo::config
