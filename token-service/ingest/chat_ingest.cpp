#include "token-service/ingest/chat_ingest.h"

#include <chrono>
#include <set>
#include <tuple>

#include "daemon/log/log.h"
#include "daemon/metrics/daemon_metrics.h"
#include "token-service/ingest/chat_store.h"

namespace amo::token_service {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ChatIngest::ChatIngest(const config::Config& config, const envelope::SchemaSet& schemas)
    : config_(config), check_(schemas) {}

ChatIngest::~ChatIngest() {
  stop(std::chrono::milliseconds(0));
}

void ChatIngest::on_message(mqtt::const_message_ptr message) {
  std::unique_lock lock(mutex_);
  has_room_.wait(lock, [&] { return queue_.size() < kQueueLimit || worker_done_; });
  if (worker_done_) {
    log::warning("chat ingest stopped: a message on " + message->get_topic() + " was not stored");
    return;
  }
  queue_.push_back({message->get_topic(), message->get_payload_str()});
  lock.unlock();
  has_work_.notify_one();
}

void ChatIngest::start(ServiceMetrics& metrics, metrics::DaemonMetrics& daemon_metrics) {
  metrics_ = &metrics;
  pg::Options o;
  o.url = config_.database_url;
  o.prepared = chat_store_statements();
  o.reconnects = &daemon_metrics.db_reconnects;
  db_ = std::make_unique<pg::Connection>(std::move(o));
  thread_ = std::thread([this] { run(); });
}

void ChatIngest::stop(std::chrono::milliseconds drain_timeout) {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) {
      worker_done_ = true;
      has_room_.notify_all();
      return;
    }
    stopping_ = true;
  }
  has_work_.notify_all();
  const auto deadline = std::chrono::steady_clock::now() + drain_timeout;
  {
    std::unique_lock lock(mutex_);
    while (!worker_done_ && std::chrono::steady_clock::now() < deadline)
      has_room_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
  }
  give_up_ = true;
  thread_.join();
}

void ChatIngest::run() {
  std::vector<Item> items;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      has_work_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) break;
      const std::size_t n = std::min(kBatch, queue_.size());
      items.clear();
      for (std::size_t i = 0; i < n; ++i) {
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      metrics_->ingest_queue.set(static_cast<std::int64_t>(queue_.size()));
    }
    has_room_.notify_all();
    process(items);
  }
  std::lock_guard lock(mutex_);
  if (!queue_.empty()) log::error("chat ingest stopped with " + std::to_string(queue_.size()) + " messages not stored");
  worker_done_ = true;
  has_room_.notify_all();
}

void ChatIngest::process(std::vector<Item>& items) {
  metrics_->ingest_received.inc(items.size());
  std::vector<InboundChat> chats(items.size());
  std::vector<const InboundChat*> batch;
  batch.reserve(items.size());
  // One dedupe key once per transaction: its repeats here are duplicates already.
  std::set<std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>> keys;
  const std::int64_t now = now_ms();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string_view reason = check_.from_broker(items[i].topic, items[i].payload, now, chats[i]);
    if (!reason.empty()) {
      drop(reason, items[i].topic, items[i].payload.size());
      continue;
    }
    const InboundChat& c = chats[i];
    if (!keys.emplace(c.kind, c.amo, c.sender, c.client_msg_id).second) {
      metrics_->chat_duplicate_mqtt.inc();
      continue;
    }
    batch.push_back(&c);
  }
  if (!batch.empty()) store(batch);
}

void ChatIngest::store(std::vector<const InboundChat*>& batch) {
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    try {
      const std::vector<std::string> stored = store_chats(db_->get(&give_up_), batch);
      metrics_->ingest_commit_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      metrics_->chat_created_mqtt.inc(stored.size());
      metrics_->chat_duplicate_mqtt.inc(batch.size() - stored.size());
      return;
    } catch (const pqxx::broken_connection&) {
      db_->lost();
    } catch (const pqxx::in_doubt_error&) {
      db_->lost();  // stored or not: storing again is a no-op for what was
    } catch (const std::exception& e) {
      // Something in the batch the database refuses: find it by storing one at a time.
      log::warning(std::string("chat ingest: batch of ") + std::to_string(batch.size()) +
                   " refused, storing one by one: " + e.what());
      store_one_by_one(batch);
      return;
    }
    if (give_up_) {
      log::error("chat ingest: database unreachable at shutdown, " + std::to_string(batch.size()) +
                 " messages not stored");
      return;
    }
    metrics_->ingest_retries.inc();
  }
}

void ChatIngest::store_one_by_one(std::vector<const InboundChat*>& batch) {
  for (const InboundChat* chat : batch) {
    std::vector<const InboundChat*> one{chat};
    try {
      const auto stored = store_chats(db_->get(&give_up_), one);
      (stored.empty() ? metrics_->chat_duplicate_mqtt : metrics_->chat_created_mqtt).inc();
    } catch (const pqxx::broken_connection&) {
      db_->lost();
      drop(name(IngestCheck::db_unavailable), "amo/" + chat->amo + "/thread/" + chat->thread, chat->envelope.size());
    } catch (const std::exception&) {
      drop(name(IngestCheck::db_error), "amo/" + chat->amo + "/thread/" + chat->thread, chat->envelope.size());
    }
  }
}

void ChatIngest::drop(std::string_view reason, std::string_view topic, std::size_t bytes) {
  metrics_->dropped(reason).inc();
  log::audit("chat dropped reason=" + std::string(reason) + " topic=" + std::string(topic) +
             " bytes=" + std::to_string(bytes));
}

}  // namespace amo::token_service
