#pragma once
// The chat ingest (DESIGN §7): messages of the shared subscriptions
// $share/ingest/amo/+/thread/+/chat and …/read come in on Paho's receive thread and are only
// queued there; one thread of ours takes them in batches, checks each alone (an invalid one is
// dropped, counted by reason and audited, never failing its batch), and stores the batch in
// one transaction (chat_store.h). A lost connection or a commit in doubt stores the same batch
// again (duplicates are no-ops). Paho has acknowledged each message before we see it, so what
// a crash loses is recovered by the browser's resend rule (docs/chat-delivery.md).
#include <mqtt/async_client.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/pg/connection.h"
#include "token-service/ingest/chat_check.h"
#include "token-service/service_metrics.h"

namespace amo::metrics {
struct DaemonMetrics;
}

namespace amo::token_service {

inline constexpr const char* kIngestChatFilter = "$share/ingest/amo/+/thread/+/chat";
inline constexpr const char* kIngestReadFilter = "$share/ingest/amo/+/thread/+/read";

class ChatIngest {
 public:
  static constexpr std::size_t kBatch = 500;         // messages per transaction at most
  static constexpr std::size_t kQueueLimit = 20000;  // past it Paho's thread waits (the broker holds the rest)

  ChatIngest(const config::Config& config, const envelope::SchemaSet& schemas);
  ~ChatIngest();
  ChatIngest(const ChatIngest&) = delete;
  ChatIngest& operator=(const ChatIngest&) = delete;

  // Paho's receive thread (may come before start()).
  void on_message(mqtt::const_message_ptr message);
  void start(ServiceMetrics& metrics, metrics::DaemonMetrics& daemon_metrics);
  // Stores what is queued, giving Postgres up to `drain_timeout` to answer, then joins.
  void stop(std::chrono::milliseconds drain_timeout = std::chrono::seconds(10));

 private:
  struct Item {
    std::string topic, payload;
  };
  void run();
  void process(std::vector<Item>& items);
  void store(std::vector<const InboundChat*>& batch);
  void store_one_by_one(std::vector<const InboundChat*>& batch);
  void drop(std::string_view reason, std::string_view topic, std::size_t bytes);

  const config::Config& config_;
  ChatCheck check_;
  std::unique_ptr<pg::Connection> db_;
  ServiceMetrics* metrics_ = nullptr;

  std::mutex mutex_;
  std::condition_variable has_work_, has_room_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  bool worker_done_ = false;
  std::atomic<bool> give_up_{false};  // Postgres did not come back before the drain timeout
  std::thread thread_;
};

}  // namespace amo::token_service
