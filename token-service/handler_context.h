#pragma once
// What the HTTP handlers of the token service share once it has started (service.h builds it).
#include "daemon/auth/portal_session.h"
#include "daemon/config/config.h"
#include "daemon/run/shard_map_watch.h"
#include "token-service/db_pool.h"
#include "token-service/rate_limiter.h"
#include "token-service/service_metrics.h"
#include "token-service/signing_keys.h"

namespace amo::envelope {
class SchemaSet;
}

namespace amo::token_service {

class RevokePublisher;

struct HandlerContext {
  const config::Config& config;
  const auth::PortalSessionVerifier& portal;
  const SigningKeys& keys;
  const envelope::SchemaSet& schemas;
  DbPool& db;
  RateLimiter& ip_limit;       // ip_rate / ip_burst, every endpoint
  RateLimiter& token_limit;    // token_rate / token_burst per user
  RateLimiter& message_limit;  // message_rate / message_burst per user
  ServiceMetrics& metrics;
  RevokePublisher& revokes;
  const config::ShardMapWatch& shard_map;  // the tenant's broker_url (DESIGN §9)
};

}  // namespace amo::token_service
