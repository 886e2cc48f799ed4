#include "relay/events/replay.h"

#include "core/json/strict_parse.h"
#include "daemon/log/log.h"
#include "daemon/mqtt/client.h"
#include "daemon/pg/connection.h"
#include "relay/events/cursor.h"
#include "relay/events/events_sql.h"
#include "relay/events/frames.h"
#include "relay/events/scope.h"

namespace amo::relay {
namespace {

constexpr std::size_t kMaxQueued = 10000;

struct Request {
  std::string amo, sender;
  std::vector<std::string> threads;
  std::int64_t after = 0;
};

// The stamped request: kind replay.request, amo and sender from the plugin, on the sender's
// own cmd/replay topic. Anything else is refused (nullopt).
std::optional<Request> parse_request(json::StrictParser& parser, const mqtt::const_message_ptr& m) {
  simdjson::dom::element root;
  if (parser.parse(m->get_payload_str(), root) != json::Status::ok) return std::nullopt;
  std::string_view kind, amo, sender;
  std::int64_t after = 0;
  if (root["kind"].get(kind) || kind != "replay.request" || root["amo"].get(amo) || root["sender"].get(sender) ||
      root["payload"]["after"].get(after) || after < 0)
    return std::nullopt;
  Request r{std::string(amo), std::string(sender), {}, after};
  if (m->get_topic() != "amo/" + r.amo + "/user/" + r.sender + "/cmd/replay") return std::nullopt;
  simdjson::dom::array threads;
  if (!root["threads"].get(threads)) {
    for (auto t : threads) {
      std::string_view s;
      if (t.get(s)) return std::nullopt;
      r.threads.emplace_back(s);
    }
  }
  return r;
}

}  // namespace

Replay::Replay(const config::Config& config, metrics::Registry& registry)
    : config_(config),
      answered_(registry.counter("amo_replay_requests_total", "MQTT replay requests, by outcome.",
                                 {{"outcome", "answered"}})),
      refused_(registry.counter("amo_replay_requests_total", "", {{"outcome", "refused"}})),
      dropped_(registry.counter("amo_replay_requests_total", "", {{"outcome", "dropped"}})) {}

Replay::~Replay() {
  stop();
}

void Replay::start(const std::vector<mqtt_client::Client*>& brokers) {
  brokers_ = brokers;  // read by the thread only
  thread_ = std::thread([this] { run(); });
}

void Replay::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Replay::on_message(int shard, mqtt::const_message_ptr message) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      dropped_.inc();
      return;
    }
    queue_.emplace_back(shard, std::move(message));
  }
  cv_.notify_one();
}

void Replay::run() {
  pg::Connection connection(events_pg_options(config_.database_url));
  json::StrictParser parser(16384, 16);
  while (true) {
    mqtt::const_message_ptr m;
    mqtt_client::Client* mqtt = nullptr;  // the answer goes to the broker the request came from
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      mqtt = brokers_.at(static_cast<std::size_t>(queue_.front().first));
      m = std::move(queue_.front().second);
      queue_.pop_front();
    }
    const auto req = parse_request(parser, m);
    if (!req) {
      refused_.inc();
      log::audit("replay request refused: not a stamped replay.request on its sender's cmd/replay topic");
      continue;
    }
    const Scope scope = make_scope(req->amo, req->sender, req->threads);
    const std::string topic = "amo/" + req->amo + "/user/" + req->sender + "/replay";
    mqtt::properties props;
    if (m->get_properties().contains(mqtt::property::CORRELATION_DATA))
      props.add(mqtt::property(mqtt::property::CORRELATION_DATA,
                               mqtt::get<mqtt::string>(m->get_properties(), mqtt::property::CORRELATION_DATA, 0)));
    auto send = [&](const std::string& payload) {
      auto msg = mqtt::make_message(topic, payload, 1, false);
      msg->set_properties(props);
      mqtt->publish(std::move(msg));
    };
    try {
      const auto bounds = connection.with_retry([&](pqxx::connection& c) { return tenant_bounds(c, req->amo); });
      const Start start = decide_start({Cursor::Kind::valid, req->after}, bounds.latest, bounds.oldest);
      if (start.kind == Start::Kind::reset) {
        send(reset_envelope(req->amo, bounds.latest, start.reason));
      } else {
        HistoryQuery q;
        q.amo = req->amo;
        q.topics = scope.topics;
        q.after = req->after;
        q.limit = kReplayMaxEvents;
        const auto rows = connection.with_retry([&](pqxx::connection& c) { return history_page(c, q); });
        for (const auto& row : rows) send(row.data);
        // A full answer ends at its last row (the client asks again from there); a shorter
        // one covered everything up to the latest seq.
        const std::int64_t last = rows.size() == static_cast<std::size_t>(kReplayMaxEvents)
                                      ? rows.back().seq
                                      : std::max(bounds.latest, rows.empty() ? 0 : rows.back().seq);
        send(replay_done_envelope(req->amo, last));
      }
      answered_.inc();
    } catch (const mqtt::exception&) {
      // Not connected: the client asks again after its timeout.
    } catch (const std::exception& e) {
      log::warning(std::string("replay: ") + e.what());
    }
  }
}

}  // namespace amo::relay
