#include "tests/harness/durable_subscriber.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

namespace amo::harness {

struct DurableSubscriber::Impl {
  Options options;
  mosquitto* mosq = nullptr;
  std::thread loop;
  std::atomic<bool> stop{false};
  std::atomic<bool> is_connected{false};
  std::atomic<std::size_t> connack_count{0};
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<Record> records;
  std::set<std::string> ids;

  static Impl* of(void* obj) { return static_cast<Impl*>(obj); }

  static void on_connect(mosquitto* m, void* obj, int rc, int, const mosquitto_property*) {
    Impl* self = of(obj);
    if (rc != 0) return;
    for (const auto& f : self->options.filters) mosquitto_subscribe_v5(m, nullptr, f.c_str(), 1, 0, nullptr);
    self->connack_count++;
    self->is_connected = true;
    self->cv.notify_all();
  }

  static void on_message(mosquitto*, void* obj, const mosquitto_message* msg, const mosquitto_property*) {
    Impl* self = of(obj);
    Record r;
    r.topic = msg->topic;
    const auto doc = nlohmann::json::parse(static_cast<const char*>(msg->payload),
                                           static_cast<const char*>(msg->payload) + msg->payloadlen, nullptr, false);
    if (doc.is_object()) {
      if (doc.contains("id") && doc["id"].is_string()) r.id = doc["id"].get<std::string>();
      if (doc.contains("seq") && doc["seq"].is_number_integer()) r.seq = doc["seq"].get<std::int64_t>();
    }
    {
      std::lock_guard lock(self->mu);
      if (!r.id.empty()) self->ids.insert(r.id);
      self->records.push_back(std::move(r));
    }
    self->cv.notify_all();
  }

  // Own reconnect loop (not libmosquitto's): every CONNECT carries a fresh password and the
  // session-expiry property.
  void run() {
    while (!stop) {
      if (!is_connected) {
        const std::string pw = options.password ? options.password() : std::string();
        mosquitto_username_pw_set(mosq, "durable", pw.c_str());
        mosquitto_property* props = nullptr;
        mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                     static_cast<uint32_t>(options.session_expiry.count()));
        const int rc = mosquitto_connect_bind_v5(mosq, "127.0.0.1", options.port, 30, nullptr, props);
        mosquitto_property_free_all(&props);
        if (rc != MOSQ_ERR_SUCCESS) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
      }
      // Until the CONNACK arrives is_connected stays false; the loop call processes it.
      const int rc = mosquitto_loop(mosq, 100, 1);
      if (rc != MOSQ_ERR_SUCCESS) {
        is_connected = false;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        mosquitto_disconnect(mosq);
      } else if (!is_connected) {
        // Connected at TCP level, CONNACK not yet here (or refused): keep looping a while.
        for (int i = 0; i < 50 && !is_connected && !stop; ++i) {
          if (mosquitto_loop(mosq, 100, 1) != MOSQ_ERR_SUCCESS) break;
        }
      }
    }
  }

  template <class Pred>
  bool wait(std::chrono::milliseconds timeout, Pred pred) const {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, pred);
  }
};

DurableSubscriber::DurableSubscriber(Options options) : impl_(std::make_unique<Impl>()) {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
  impl_->options = std::move(options);
  impl_->mosq = mosquitto_new(impl_->options.client_id.c_str(), false, impl_.get());
  if (impl_->mosq == nullptr) throw std::runtime_error("mosquitto_new failed");
  mosquitto_int_option(impl_->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_connect_v5_callback_set(impl_->mosq, &Impl::on_connect);
  mosquitto_message_v5_callback_set(impl_->mosq, &Impl::on_message);
  impl_->loop = std::thread([this] { impl_->run(); });
}

DurableSubscriber::~DurableSubscriber() {
  impl_->stop = true;
  if (impl_->loop.joinable()) impl_->loop.join();
  mosquitto_disconnect(impl_->mosq);
  mosquitto_destroy(impl_->mosq);
}

bool DurableSubscriber::wait_connected(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->is_connected) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool DurableSubscriber::connected() const { return impl_->is_connected; }

bool DurableSubscriber::wait_count(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->wait(timeout, [&] { return impl_->records.size() >= n; });
}

bool DurableSubscriber::wait_distinct(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->wait(timeout, [&] { return impl_->ids.size() >= n; });
}

std::vector<DurableSubscriber::Record> DurableSubscriber::records() const {
  std::lock_guard lock(impl_->mu);
  return impl_->records;
}

std::set<std::string> DurableSubscriber::ids() const {
  std::lock_guard lock(impl_->mu);
  return impl_->ids;
}

std::size_t DurableSubscriber::connects() const { return impl_->connack_count; }

}  // namespace amo::harness
