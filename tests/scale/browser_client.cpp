#include "tests/scale/browser_client.h"

#include <mqtt/async_client.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tests/harness/http_client.h"

namespace amo::scale_test {

namespace {

using json = nlohmann::json;
constexpr std::size_t kReplayPage = 500;  // the relay's answer size (DESIGN §6)

std::string new_correlation() {
  static std::atomic<int> n{0};
  thread_local std::minstd_rand rng{std::random_device{}()};
  return "tab-" + std::to_string(++n) + "-" + std::to_string(rng());
}

}  // namespace

struct BrowserClient::Impl {
  Options options;
  std::string base;  // amo/<amo>/user/<sub>

  mutable std::mutex mutex;
  Snapshot state;
  std::shared_ptr<mqtt::async_client> client;  // the current connection, if any
  std::string replay_corr;                     // the request in flight ("" = none)
  std::size_t replay_count = 0;
  bool lost = false;
  std::condition_variable wake;
  std::atomic<bool> stopping{false};
  std::thread thread;

  explicit Impl(Options o) : options(std::move(o)), base("amo/" + options.amo + "/user/" + options.sub) {}

  // Caller holds `mutex`: starts a new request; the caller publishes it after unlocking (a
  // publish under our lock could deadlock with Paho's thread calling mark_lost under its own).
  mqtt::message_ptr new_replay_locked(std::int64_t after) {
    if (!client) return nullptr;
    replay_corr = new_correlation();
    replay_count = 0;
    ++state.replays;
    const json env{{"v", 1}, {"kind", "replay.request"}, {"payload", {{"after", after}}}};
    auto msg = mqtt::make_message(base + "/cmd/replay", env.dump(), 1, false);
    mqtt::properties props;
    props.add(mqtt::property(mqtt::property::CORRELATION_DATA, replay_corr));
    msg->set_properties(props);
    return msg;
  }

  void send(const std::shared_ptr<mqtt::async_client>& c, mqtt::message_ptr msg) {
    if (!c || !msg) return;
    try {
      c->publish(msg);
    } catch (const mqtt::exception&) {
      // The connection is going; the next connect asks again.
    }
  }

  // Caller holds `mutex`.
  void on_event_locked(const json& env, bool replayed) {
    if (env.contains("seq") && env["seq"].is_number_integer())
      state.cursor = std::max(state.cursor, env["seq"].get<std::int64_t>());
    ++state.arrivals;
    const std::string id = env.value("id", "");
    if (!state.ids.insert(id).second) {
      ++state.duplicates;
      return;
    }
    ++(replayed ? state.replayed : state.live);
  }

  void on_message(mqtt::const_message_ptr m) {
    const std::string& topic = m->get_topic();
    if (!topic.starts_with(base + "/")) return;
    const std::string leaf = topic.substr(base.size() + 1);
    if (leaf != "replay" && leaf != "events") return;  // our own cmd/replay comes back too
    json env;
    try {
      env = json::parse(m->to_string());
    } catch (const std::exception&) {
      return;
    }
    std::shared_ptr<mqtt::async_client> c;
    mqtt::message_ptr next;
    {
      std::lock_guard lock(mutex);
      if (leaf == "events") return on_event_locked(env, false);
      std::string corr;
      if (m->get_properties().contains(mqtt::property::CORRELATION_DATA))
        corr = mqtt::get<mqtt::string>(m->get_properties(), mqtt::property::CORRELATION_DATA, 0);
      if (replay_corr.empty() || corr != replay_corr) return;  // another tab's answer
      const std::string kind = env.value("kind", "");
      if (kind == "replay.done") {
        if (replay_count >= kReplayPage) {
          next = new_replay_locked(env["payload"]["last"].get<std::int64_t>());
          c = client;
        } else {
          replay_corr.clear();
        }
      } else if (kind == "reset") {
        ++state.resets;
        state.cursor = env["payload"]["latest"].get<std::int64_t>();
        replay_corr.clear();
      } else {
        ++replay_count;
        on_event_locked(env, true);
      }
    }
    send(c, next);
  }

  void mark_lost(int reason, const std::string& cause) {
    std::lock_guard lock(mutex);
    if (!state.connections.empty() && client) {
      auto& c = state.connections.back();
      c.lost = true;
      if (reason >= 0) c.disconnect_reason = reason;
      if (!cause.empty()) c.cause = cause;
    }
    lost = true;
    wake.notify_all();
  }

  // POST /api/realtime/token: the answer's JSON, or null.
  json fetch_token() {
    try {
      harness::HttpClient http(options.token_port);
      const auto r = http.request("POST", "/api/realtime/token",
                                  {{"Authorization", "Bearer " + options.session}, {"Connection", "close"}});
      if (r.status != 200) return nullptr;
      return json::parse(r.body);
    } catch (const std::exception&) {
      return nullptr;
    }
  }

  // One connection: true once it ran (and ended), false if it never came up.
  bool connect_once() {
    const json answer = fetch_token();
    if (answer.is_null()) {
      std::lock_guard lock(mutex);
      ++state.token_failures;
      return false;
    }
    const std::string url = answer.value("broker_url", "");
    auto c = std::make_shared<mqtt::async_client>(url, answer.value("client_id", ""),
                                                  mqtt::create_options(MQTTVERSION_5), nullptr);
    c->set_message_callback([this](mqtt::const_message_ptr m) { on_message(std::move(m)); });
    c->set_connection_lost_handler([this](const std::string& cause) { mark_lost(-1, cause); });
    c->set_disconnected_handler(
        [this](const mqtt::properties&, mqtt::ReasonCode reason) { mark_lost(static_cast<int>(reason), {}); });
    auto opts = mqtt::connect_options_builder()
                    .mqtt_version(MQTTVERSION_5)
                    .clean_start(true)
                    .user_name("browser")
                    .password(answer.value("token", ""))
                    .keep_alive_interval(std::chrono::seconds(30))
                    .connect_timeout(std::chrono::seconds(5))
                    .finalize();
    try {
      if (!c->connect(opts)->wait_for(std::chrono::seconds(10))) throw mqtt::exception(MQTTASYNC_FAILURE);
      auto sub = c->subscribe(base + "/#", 1);
      if (!sub->wait_for(std::chrono::seconds(10))) throw mqtt::exception(MQTTASYNC_FAILURE);
      const auto granted = sub->get_subscribe_response();
      for (auto rc : granted.get_reason_codes())
        if (rc >= 0x80) throw mqtt::exception(MQTTASYNC_FAILURE);
    } catch (const mqtt::exception&) {
      {
        std::lock_guard lock(mutex);
        ++state.connect_failures;
      }
      try {
        if (c->is_connected()) c->disconnect()->wait_for(std::chrono::seconds(1));
      } catch (const mqtt::exception&) {
      }
      return false;
    }
    mqtt::message_ptr first;
    {
      std::lock_guard lock(mutex);
      state.connections.push_back(Connection{.broker_url = url, .lost = false, .disconnect_reason = -1, .cause = {}});
      client = c;
      lost = false;
      first = new_replay_locked(state.cursor);
    }
    send(c, first);
    // Paho may report a server-side close by either handler, or (rarely) by neither; its
    // calls are made without our lock held.
    while (true) {
      {
        std::unique_lock lock(mutex);
        wake.wait_for(lock, std::chrono::milliseconds(200), [&] { return lost || stopping.load(); });
        if (lost || stopping) break;
      }
      if (!c->is_connected()) {
        std::lock_guard lock(mutex);
        state.connections.back().lost = true;
        lost = true;
        break;
      }
    }
    {
      std::lock_guard lock(mutex);
      client.reset();
      replay_corr.clear();
    }
    try {
      if (c->is_connected()) c->disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
    }
    return true;
  }

  void run() {
    while (!stopping) {
      connect_once();
      std::unique_lock lock(mutex);
      wake.wait_for(lock, std::chrono::seconds(1), [&] { return stopping.load(); });
    }
  }
};

BrowserClient::BrowserClient(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->thread = std::thread([this] { impl_->run(); });
}

BrowserClient::~BrowserClient() {
  stop();
}

void BrowserClient::stop() {
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->wake.notify_all();
  }
  impl_->thread.join();
}

BrowserClient::Snapshot BrowserClient::snapshot() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->state;
}

bool BrowserClient::replay_now() {
  std::shared_ptr<mqtt::async_client> c;
  mqtt::message_ptr msg;
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->client) return false;
    c = impl_->client;
    msg = impl_->new_replay_locked(impl_->state.cursor);
  }
  impl_->send(c, msg);
  return true;
}

}  // namespace amo::scale_test
