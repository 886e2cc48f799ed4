#include "daemon/mqtt/client.h"

#include <random>

#include "daemon/log/log.h"
#include "daemon/metrics/registry.h"
#include "daemon/mqtt/service_token.h"

namespace amo::mqtt_client {

Client::Client(const config::Config& config, int shard, const config::Shard& broker, Options options)
    : config_(config),
      shard_(shard),
      options_(std::move(options)),
      uri_("tcp://" + broker.broker_host + ":" + std::to_string(broker.broker_port)) {}

void Client::set_up(bool up) {
  if (connected_.exchange(up) != up && options_.up) options_.up->add(up ? 1 : -1);
}

Client::~Client() {
  stop();
}

void Client::start() {
  thread_ = std::thread([this] { run(); });
}

void Client::stop() {
  if (stopping_.exchange(true)) {
    if (thread_.joinable()) thread_.join();
    return;
  }
  {
    std::lock_guard lock(wake_mutex_);
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::shared_ptr<mqtt::async_client> c;
  {
    std::lock_guard lock(mutex_);
    c = client_;
  }
  if (c && c->is_connected()) {
    try {
      c->disconnect(std::chrono::seconds(2))->wait_for(std::chrono::seconds(3));
    } catch (const std::exception&) {
    }
  }
  set_up(false);
}

mqtt::delivery_token_ptr Client::publish(mqtt::message_ptr message) {
  std::shared_ptr<mqtt::async_client> c;
  {
    std::lock_guard lock(mutex_);
    c = client_;
  }
  if (!c || !connected_) throw mqtt::exception(MQTTASYNC_DISCONNECTED);
  return c->publish(std::move(message));
}

mqtt::delivery_token_ptr Client::publish(mqtt::message_ptr message, void* context, mqtt::iaction_listener& listener) {
  std::shared_ptr<mqtt::async_client> c;
  {
    std::lock_guard lock(mutex_);
    c = client_;
  }
  if (!c || !connected_) throw mqtt::exception(MQTTASYNC_DISCONNECTED);
  return c->publish(std::move(message), context, listener);
}

bool Client::connect_once() {
  auto id = service_identity(config_, options_.daemon);
  if (auto* err = std::get_if<std::string>(&id)) {
    log::error("mqtt: cannot get the service token: " + *err);
    return false;
  }
  auto& identity = std::get<ServiceIdentity>(id);
  std::shared_ptr<mqtt::async_client> c;
  {
    std::lock_guard lock(mutex_);
    if (!client_ || identity.cid != cid_) {
      // Null persistence: nothing is kept by Paho across a crash (DESIGN §5).
      client_ = std::make_shared<mqtt::async_client>(
          uri_, identity.cid, mqtt::create_options(MQTTVERSION_5, options_.max_buffered), nullptr);
      client_->set_callback(*this);
      cid_ = identity.cid;
    }
    c = client_;
  }
  auto opts = mqtt::connect_options_builder()
                  .mqtt_version(MQTTVERSION_5)
                  .clean_start(options_.clean_start)
                  .user_name(options_.daemon)
                  .password(identity.token)
                  .keep_alive_interval(std::chrono::seconds(20))
                  .connect_timeout(std::chrono::seconds(5))
                  .finalize();
  if (options_.session_expiry.count() > 0) {
    mqtt::properties props{
        {mqtt::property::SESSION_EXPIRY_INTERVAL, static_cast<int>(options_.session_expiry.count())}};
    opts.set_properties(props);
  }
  try {
    auto tok = c->connect(opts);
    tok->wait();
    const bool session_present = tok->get_connect_response().is_session_present();
    for (const auto& [filter, qos] : options_.subscriptions) {
      if (session_present && !options_.clean_start) break;
      c->subscribe(filter, qos)->wait();
    }
  } catch (const mqtt::exception& e) {
    // The reason code only: Paho's text may echo connect details.
    log::warning("mqtt: connect to " + uri_ + " as " + identity.cid + " failed: reason " +
                 std::to_string(e.get_reason_code()) + " rc " + std::to_string(e.get_return_code()));
    try {
      if (c->is_connected()) c->disconnect()->wait_for(std::chrono::seconds(1));
    } catch (const mqtt::exception&) {
    }
    return false;
  }
  return true;
}

void Client::run() {
  std::minstd_rand rng{std::random_device{}()};
  auto backoff = options_.backoff_min;
  bool ever = false;
  while (!stopping_) {
    if (connect_once()) {
      {
        std::lock_guard lock(wake_mutex_);
        lost_ = false;
      }
      set_up(true);
      if (ever && options_.reconnects) options_.reconnects->inc();
      log::info(std::string("mqtt: connected to ") + uri_ + " as " + cid_);
      ever = true;
      backoff = options_.backoff_min;
      if (options_.on_connected) options_.on_connected(shard_);
      std::unique_lock lock(wake_mutex_);
      wake_.wait(lock, [&] { return lost_ || stopping_.load(); });
      continue;
    }
    // Full jitter between half and the whole backoff, so restarted daemons spread out.
    const auto wait =
        std::chrono::milliseconds(backoff.count() / 2 + static_cast<long>(rng() % (backoff.count() / 2 + 1)));
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, wait, [&] { return stopping_.load(); });
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
}

void Client::connection_lost(const std::string& cause) {
  set_up(false);
  log::warning("mqtt: connection to " + uri_ + " lost" + (cause.empty() ? std::string() : ": " + cause));
  if (options_.on_lost) options_.on_lost(shard_);
  std::lock_guard lock(wake_mutex_);
  lost_ = true;
  wake_.notify_all();
}

void Client::message_arrived(mqtt::const_message_ptr msg) {
  if (options_.on_message) options_.on_message(shard_, std::move(msg));
}

}  // namespace amo::mqtt_client
