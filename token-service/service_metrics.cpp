#include "token-service/service_metrics.h"

#include <string>

namespace amo::token_service {

namespace {

std::array<metrics::Counter*, kRefusalCount> refusal_counters(metrics::Registry& r) {
  std::array<metrics::Counter*, kRefusalCount> out{};
  for (std::size_t i = 0; i < kRefusalCount; ++i) {
    out[i] = &r.counter("amo_token_service_refusals_total",
                        "Requests refused, by reason (401/403/422/400/429/503; DESIGN §7).",
                        {{"reason", std::string(name(static_cast<Refusal>(i)))}});
  }
  return out;
}

std::array<metrics::Counter*, kRevokeCauseCount> revoke_counters(metrics::Registry& r) {
  std::array<metrics::Counter*, kRevokeCauseCount> out{};
  for (std::size_t i = 0; i < kRevokeCauseCount; ++i) {
    out[i] = &r.counter("amo_revocations_published_total",
                        "Revocations published on $CONTROL/amo-realtime/v1/revoke, by cause.",
                        {{"cause", std::string(name(static_cast<RevokeCause>(i)))}});
  }
  return out;
}

}  // namespace

std::string_view name(RevokeCause c) noexcept {
  switch (c) {
    case RevokeCause::revoked:
      return "revoked";
    case RevokeCause::deactivated:
      return "deactivated";
    case RevokeCause::api:
      return "api";
    case RevokeCause::republished:
      return "republished";
    case RevokeCause::moved:
      return "moved";
  }
  return "unknown";
}

ServiceMetrics::ServiceMetrics(metrics::Registry& r)
    : registry(r),
      tokens_issued(r.counter("amo_tokens_issued_total", "Connect tokens issued (POST /api/realtime/token).")),
      refusals(refusal_counters(r)),
      issue_seconds(r.histogram("amo_token_issue_seconds",
                                "POST /api/realtime/token handling time (session, database, signing), in seconds.",
                                metrics::kLatencyBuckets)),
      chat_created_mqtt(r.counter("amo_chat_stored_total",
                                  "Chat messages and read receipts stored with their "
                                  "fan-out outbox row, by path and result.",
                                  {{"via", "mqtt"}, {"result", "created"}})),
      chat_created_http(r.counter("amo_chat_stored_total", "", {{"via", "http"}, {"result", "created"}})),
      chat_duplicate_mqtt(r.counter("amo_chat_stored_total", "", {{"via", "mqtt"}, {"result", "duplicate"}})),
      chat_duplicate_http(r.counter("amo_chat_stored_total", "", {{"via", "http"}, {"result", "duplicate"}})),
      ingest_received(
          r.counter("amo_ingest_received_total", "Messages received on the ingest's shared subscriptions.")),
      ingest_queue(r.gauge("amo_ingest_queue_messages", "Received messages waiting for their commit.")),
      ingest_commit_seconds(r.histogram("amo_ingest_commit_seconds", "One ingest batch transaction, in seconds.",
                                        metrics::kLatencyBuckets)),
      ingest_retries(r.counter("amo_ingest_batch_retries_total",
                               "Ingest batches stored again after a lost connection or an unknown commit.")),
      revocations(revoke_counters(r)),
      revocation_poll_errors(r.counter("amo_revocation_poll_errors_total", "Failed polls of realtime_users.")),
      revocation_pending(r.gauge("amo_revocations_pending", "Revocations waiting for the broker to take them.")),
      key_reloads(r.counter("amo_key_reloads_total", "Key files re-read after a change or SIGHUP.")),
      key_reload_errors(r.counter("amo_key_reload_errors_total", "Key files that failed to load (old keys kept).")) {}

metrics::Counter& ServiceMetrics::dropped(std::string_view reason) {
  return registry.counter("amo_ingest_dropped_total", "Inbound chat dropped, by reason (each also an audit line).",
                          {{"reason", std::string(reason)}});
}

}  // namespace amo::token_service
