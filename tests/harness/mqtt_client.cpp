#include "tests/harness/mqtt_client.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace amo::harness {

// Built on libmosquitto rather than Paho: Paho C's shared receive thread polls with a 1 s
// timeout, so each CONNECT made while another client is connected took 1-2 s here.

namespace {

std::string unique_id() {
  static std::atomic<int> counter{0};
  return "amo-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void lib_init() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

struct Props {
  mosquitto_property* list = nullptr;
  ~Props() { mosquitto_property_free_all(&list); }
};

}  // namespace

struct TestClient::Impl {
  ClientOptions options;
  mosquitto* mosq = nullptr;
  std::thread loop;
  std::atomic<bool> stop{false};

  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Received> inbox;
  bool is_connected = false;
  bool loop_running = false;
  std::optional<int> connack;
  int disconnect_reason = -1;
  std::map<int, int> puback;               // mid -> reason code
  std::map<int, std::vector<int>> suback;  // mid -> codes

  static Impl* of(void* obj) { return static_cast<Impl*>(obj); }

  static void on_connect(mosquitto*, void* obj, int rc, int, const mosquitto_property*) {
    Impl* self = of(obj);
    {
      std::lock_guard lock(self->mu);
      self->connack = rc;
      self->is_connected = rc == 0;
    }
    self->cv.notify_all();
  }

  static void on_disconnect(mosquitto*, void* obj, int rc, const mosquitto_property*) {
    Impl* self = of(obj);
    {
      std::lock_guard lock(self->mu);
      self->is_connected = false;
      if (rc >= 0x80) self->disconnect_reason = rc;  // below 0x80: a libmosquitto error, not a reason
    }
    self->cv.notify_all();
  }

  static void on_publish(mosquitto*, void* obj, int mid, int reason, const mosquitto_property*) {
    Impl* self = of(obj);
    {
      std::lock_guard lock(self->mu);
      self->puback[mid] = reason;
    }
    self->cv.notify_all();
  }

  static void on_subscribe(mosquitto*, void* obj, int mid, int count, const int* granted, const mosquitto_property*) {
    Impl* self = of(obj);
    {
      std::lock_guard lock(self->mu);
      self->suback[mid] = std::vector<int>(granted, granted + count);
    }
    self->cv.notify_all();
  }

  static void on_message(mosquitto*, void* obj, const mosquitto_message* msg, const mosquitto_property* props) {
    Impl* self = of(obj);
    Received r;
    r.topic = msg->topic;
    r.payload.assign(static_cast<const char*>(msg->payload), static_cast<std::size_t>(msg->payloadlen));
    r.qos = msg->qos;
    r.retained = msg->retain;
    bool skip_first = false;
    for (const mosquitto_property* p = props;; skip_first = true) {
      char* name = nullptr;
      char* value = nullptr;
      p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, skip_first);
      if (p == nullptr) break;
      r.user_props[name] = value;
      free(name);
      free(value);
    }
    void* data = nullptr;
    uint16_t len = 0;
    if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &data, &len, false) != nullptr) {
      r.correlation_data.assign(static_cast<const char*>(data), len);
      free(data);
    }
    {
      std::lock_guard lock(self->mu);
      self->inbox.push_back(std::move(r));
    }
    self->cv.notify_all();
  }

  // No automatic reconnect: the loop ends with the connection.
  void run_loop() {
    while (!stop) {
      const int rc = mosquitto_loop(mosq, 20, 1);
      if (rc != MOSQ_ERR_SUCCESS) break;
    }
    {
      std::lock_guard lock(mu);
      is_connected = false;
      loop_running = false;
    }
    cv.notify_all();
  }

  void join() {
    stop = true;
    if (loop.joinable()) loop.join();
    stop = false;
  }

  template <class Pred>
  bool wait(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds timeout, Pred pred) {
    return cv.wait_for(lock, timeout, pred);
  }
};

TestClient::TestClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  lib_init();
  if (options.client_id.empty()) options.client_id = unique_id();
  impl_->options = std::move(options);
  const auto& o = impl_->options;
  impl_->mosq = mosquitto_new(o.client_id.c_str(), o.clean, impl_.get());
  if (impl_->mosq == nullptr) throw std::runtime_error("mosquitto_new failed");
  mosquitto_int_option(impl_->mosq, MOSQ_OPT_PROTOCOL_VERSION, o.mqtt_version);
  mosquitto_threaded_set(impl_->mosq, true);
  mosquitto_connect_v5_callback_set(impl_->mosq, &Impl::on_connect);
  mosquitto_disconnect_v5_callback_set(impl_->mosq, &Impl::on_disconnect);
  mosquitto_publish_v5_callback_set(impl_->mosq, &Impl::on_publish);
  mosquitto_subscribe_v5_callback_set(impl_->mosq, &Impl::on_subscribe);
  mosquitto_message_v5_callback_set(impl_->mosq, &Impl::on_message);
}

TestClient::~TestClient() {
  disconnect();
  impl_->join();
  mosquitto_destroy(impl_->mosq);
}

int TestClient::connect() {
  const auto& o = impl_->options;
  impl_->join();
  {
    std::lock_guard lock(impl_->mu);
    impl_->connack.reset();
    impl_->disconnect_reason = -1;
  }
  mosquitto_username_pw_set(impl_->mosq, o.username.empty() ? nullptr : o.username.c_str(),
                            o.password.empty() ? nullptr : o.password.c_str());
  Props props;
  if (o.mqtt_version >= 5 && o.session_expiry > 0) {
    mosquitto_property_add_int32(&props.list, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                 static_cast<uint32_t>(o.session_expiry));
  }
  const int rc = mosquitto_connect_bind_v5(impl_->mosq, o.host.c_str(), o.port, 60, nullptr, props.list);
  if (rc != MOSQ_ERR_SUCCESS) return -rc;
  {
    std::lock_guard lock(impl_->mu);
    impl_->loop_running = true;
  }
  impl_->loop = std::thread([impl = impl_.get()] { impl->run_loop(); });
  std::unique_lock lock(impl_->mu);
  impl_->wait(lock, o.timeout, [&] { return impl_->connack.has_value() || !impl_->loop_running; });
  if (!impl_->connack) return -1;
  return *impl_->connack;
}

std::vector<int> TestClient::subscribe(std::vector<std::string> filters, int qos) {
  std::vector<char*> subs;
  for (auto& f : filters) subs.push_back(f.data());
  int mid = 0;
  const int rc =
      mosquitto_subscribe_multiple(impl_->mosq, &mid, static_cast<int>(subs.size()), subs.data(), qos, 0, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) return std::vector<int>(filters.size(), -rc);
  std::unique_lock lock(impl_->mu);
  if (!impl_->wait(lock, impl_->options.timeout, [&] { return impl_->suback.contains(mid); })) {
    return std::vector<int>(filters.size(), -1);
  }
  auto codes = std::move(impl_->suback[mid]);
  impl_->suback.erase(mid);
  return codes;
}

int TestClient::publish(std::string topic, std::string payload, int qos, bool retain,
                        std::map<std::string, std::string> user_props, std::string correlation_data) {
  Props props;
  if (impl_->options.mqtt_version >= 5) {
    for (const auto& [k, v] : user_props) {
      mosquitto_property_add_string_pair(&props.list, MQTT_PROP_USER_PROPERTY, k.c_str(), v.c_str());
    }
    if (!correlation_data.empty()) {
      mosquitto_property_add_binary(&props.list, MQTT_PROP_CORRELATION_DATA, correlation_data.data(),
                                    static_cast<uint16_t>(correlation_data.size()));
    }
  }
  int mid = 0;
  const int rc = mosquitto_publish_v5(impl_->mosq, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                      payload.data(), qos, retain, props.list);
  if (rc != MOSQ_ERR_SUCCESS) return -rc;
  std::unique_lock lock(impl_->mu);
  if (!impl_->wait(lock, impl_->options.timeout, [&] { return impl_->puback.contains(mid); })) return -1;
  const int reason = impl_->puback[mid];
  impl_->puback.erase(mid);
  return reason;
}

std::vector<TestClient::Received> TestClient::wait_messages(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  impl_->wait(lock, timeout, [&] { return impl_->inbox.size() >= n; });
  std::vector<Received> out(std::make_move_iterator(impl_->inbox.begin()), std::make_move_iterator(impl_->inbox.end()));
  impl_->inbox.clear();
  return out;
}

std::vector<TestClient::Received> TestClient::take_messages() {
  return wait_messages(0, std::chrono::milliseconds(0));
}

bool TestClient::wait_disconnected(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->wait(lock, timeout, [&] { return !impl_->is_connected; });
}

bool TestClient::connected() const {
  std::lock_guard lock(impl_->mu);
  return impl_->is_connected;
}

int TestClient::disconnect_reason() const {
  std::lock_guard lock(impl_->mu);
  return impl_->disconnect_reason;
}

void TestClient::disconnect() {
  if (connected()) {
    mosquitto_disconnect(impl_->mosq);
    wait_disconnected(impl_->options.timeout);
  }
  impl_->join();
}

const std::string& TestClient::client_id() const {
  return impl_->options.client_id;
}

}  // namespace amo::harness
