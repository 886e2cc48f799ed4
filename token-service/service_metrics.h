#pragma once
// The token service's own metrics (DESIGN §7, §8), declared once here: issuance and its
// refusals by reason, rate-limit hits, chat stored / duplicate / dropped by reason, ingest
// queue and commit time, revocations published by cause, key reloads.
#include <array>
#include <string_view>

#include "daemon/metrics/registry.h"
#include "token-service/refusal.h"

namespace amo::token_service {

// Why a revocation went out on $CONTROL/amo-realtime/v1/revoke.
// moved: the tenant moved to another broker shard; sent to the shard it left (DESIGN §9).
enum class RevokeCause : unsigned char { revoked, deactivated, api, republished, moved };
inline constexpr std::size_t kRevokeCauseCount = 5;
std::string_view name(RevokeCause c) noexcept;

struct ServiceMetrics {
  explicit ServiceMetrics(metrics::Registry& r);

  metrics::Counter& refused(Refusal r) noexcept { return *refusals[static_cast<std::size_t>(r)]; }
  metrics::Counter& revocation(RevokeCause c) noexcept { return *revocations[static_cast<std::size_t>(c)]; }
  // amo_ingest_dropped_total{reason}: reasons are the envelope statuses and the ingest's own
  // (chat_check.h), registered the first time one is seen (a rare path).
  metrics::Counter& dropped(std::string_view reason);

  metrics::Registry& registry;
  metrics::Counter& tokens_issued;
  std::array<metrics::Counter*, kRefusalCount> refusals;
  metrics::Histogram& issue_seconds;
  metrics::Counter& chat_created_mqtt;
  metrics::Counter& chat_created_http;
  metrics::Counter& chat_duplicate_mqtt;
  metrics::Counter& chat_duplicate_http;
  metrics::Counter& ingest_received;
  metrics::Gauge& ingest_queue;
  metrics::Histogram& ingest_commit_seconds;
  metrics::Counter& ingest_retries;
  std::array<metrics::Counter*, kRevokeCauseCount> revocations;
  metrics::Counter& revocation_poll_errors;
  metrics::Gauge& revocation_pending;
  metrics::Counter& key_reloads;
  metrics::Counter& key_reload_errors;
};

}  // namespace amo::token_service
