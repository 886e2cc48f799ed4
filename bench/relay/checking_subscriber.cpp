#include "bench/relay/checking_subscriber.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace amo::bench_relay {
namespace {

std::string_view tenant_of(std::string_view topic) {
  if (!topic.starts_with("amo/")) return {};
  topic.remove_prefix(4);
  const auto slash = topic.find('/');
  return slash == std::string_view::npos ? std::string_view{} : topic.substr(0, slash);
}

// The last "seq":<digits> of a compact envelope; -1 if there is none.
std::int64_t seq_of(std::string_view payload) {
  constexpr std::string_view kKey = "\"seq\":";
  const auto at = payload.rfind(kKey);
  if (at == std::string_view::npos) return -1;
  std::int64_t v = 0;
  std::size_t i = at + kKey.size();
  if (i >= payload.size() || payload[i] < '0' || payload[i] > '9') return -1;
  for (; i < payload.size() && payload[i] >= '0' && payload[i] <= '9'; ++i) v = v * 10 + (payload[i] - '0');
  return v;
}

}  // namespace

CheckingSubscriber::CheckingSubscriber(Options options) : options_(std::move(options)) {
  mosq_ = mosquitto_new(options_.client_id.c_str(), true, this);
  if (!mosq_) throw std::runtime_error("mosquitto_new failed");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  // The broker may then keep every message in flight to us instead of queueing (and, past
  // max_queued_messages, dropping) what a slow moment of this thread leaves unacknowledged.
  mosquitto_int_option(mosq_, MOSQ_OPT_RECEIVE_MAXIMUM, 65535);
  mosquitto_username_pw_set(mosq_, options_.username.c_str(), options_.password.c_str());
  mosquitto_connect_v5_callback_set(mosq_, &CheckingSubscriber::on_connect);
  mosquitto_subscribe_v5_callback_set(mosq_, &CheckingSubscriber::on_subscribe);
  mosquitto_disconnect_v5_callback_set(mosq_, &CheckingSubscriber::on_disconnect);
  mosquitto_message_v5_callback_set(mosq_, &CheckingSubscriber::on_message);
  if (options_.keep_arrivals) arrivals_.reserve(1 << 16);
  int rc = mosquitto_connect_bind_v5(mosq_, "127.0.0.1", options_.port, 60, nullptr, nullptr);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_start(mosq_);
  if (rc != MOSQ_ERR_SUCCESS) {
    mosquitto_destroy(mosq_);
    throw std::runtime_error(std::string("subscriber connect: ") + mosquitto_strerror(rc));
  }
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!subscribed_) {
    if (Clock::now() > deadline) {
      mosquitto_disconnect(mosq_);
      mosquitto_loop_stop(mosq_, true);
      mosquitto_destroy(mosq_);
      throw std::runtime_error("subscriber: no CONNACK/SUBACK for amo/# in 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

CheckingSubscriber::~CheckingSubscriber() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, true);
  mosquitto_destroy(mosq_);
}

void CheckingSubscriber::on_connect(mosquitto* m, void* self, int rc, int, const mosquitto_property*) {
  if (rc != 0) return;
  static_cast<CheckingSubscriber*>(self)->connected_ = true;
  mosquitto_subscribe_v5(m, nullptr, "amo/#", 1, 0, nullptr);
}

void CheckingSubscriber::on_subscribe(mosquitto*, void* self, int, int count, const int* granted,
                                      const mosquitto_property*) {
  if (count == 1 && granted[0] == 1) static_cast<CheckingSubscriber*>(self)->subscribed_ = true;
}

void CheckingSubscriber::on_disconnect(mosquitto*, void* self, int, const mosquitto_property*) {
  static_cast<CheckingSubscriber*>(self)->connected_ = false;
}

void CheckingSubscriber::on_message(mosquitto*, void* self, const mosquitto_message* msg,
                                    const mosquitto_property* props) {
  static_cast<CheckingSubscriber*>(self)->record(msg, props);
}

void CheckingSubscriber::record(const mosquitto_message* msg, const mosquitto_property* props) {
  const auto now = Clock::now();
  const std::string_view topic = msg->topic ? msg->topic : "";
  const std::string_view payload(static_cast<const char*>(msg->payload),
                                 static_cast<std::size_t>(msg->payloadlen));
  const std::string_view tenant = tenant_of(topic);
  const std::int64_t seq = seq_of(payload);
  std::string id;
  if (options_.keep_arrivals) {
    // The envelope id, as the relay also sends it: MQTT v5 user property `id`.
    char* name = nullptr;
    char* value = nullptr;
    for (const mosquitto_property* p = mosquitto_property_read_string_pair(props, MQTT_PROP_USER_PROPERTY, &name,
                                                                           &value, false);
         p; p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, true)) {
      if (name && std::strcmp(name, "id") == 0 && value) id = value;
      std::free(name);
      std::free(value);
      name = value = nullptr;
    }
  }
  {
    std::lock_guard lock(mutex_);
    ++tally_.received;
    tally_.bytes += payload.size();
    if (tenant.empty() || seq < 0) {
      ++tally_.unparsed;
    } else {
      auto [it, fresh] = last_seq_.try_emplace(std::string(tenant), 0);
      if (seq <= it->second) {
        ++tally_.repeated;
      } else {
        if (seq != it->second + 1) ++tally_.out_of_order;
        it->second = seq;
      }
    }
    if (options_.keep_arrivals) arrivals_.emplace_back(std::move(id), now);
    last_arrival_ = now;
  }
  received_.fetch_add(1, std::memory_order_release);
}

bool CheckingSubscriber::wait_received(std::uint64_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (received_.load(std::memory_order_acquire) < n) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return true;
}

CheckingSubscriber::Clock::time_point CheckingSubscriber::last_arrival() const {
  std::lock_guard lock(mutex_);
  return last_arrival_;
}

CheckingSubscriber::Tally CheckingSubscriber::tally() const {
  std::lock_guard lock(mutex_);
  Tally t = tally_;
  t.tenants = last_seq_.size();
  return t;
}

std::unordered_map<std::string, std::int64_t> CheckingSubscriber::highest() const {
  std::lock_guard lock(mutex_);
  return last_seq_;
}

std::vector<std::pair<std::string, CheckingSubscriber::Clock::time_point>> CheckingSubscriber::arrivals() const {
  std::lock_guard lock(mutex_);
  return arrivals_;
}

}  // namespace amo::bench_relay
