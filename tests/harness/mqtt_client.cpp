#include "tests/harness/mqtt_client.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mqtt/async_client.h>
#include <mutex>

namespace amo::harness {

namespace {

std::string unique_id() {
    static std::atomic<int> counter{0};
    return "amo-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// Paho reports a broker refusal as an exception carrying the reason/return code.
int code_of(const mqtt::exception& e) {
    const int reason = e.get_reason_code();
    if (reason > 0) return reason;
    const int rc = e.get_return_code();
    return rc > 0 ? rc : (rc == 0 ? -1 : rc);
}

}  // namespace

struct TestClient::Impl {
    ClientOptions options;
    std::unique_ptr<mqtt::async_client> client;
    mutable std::mutex mu;
    std::condition_variable cv;
    std::deque<Received> inbox;
    bool is_connected = false;
    int disconnect_reason = -1;

    void on_message(const mqtt::const_message_ptr& msg) {
        Received r;
        r.topic = msg->get_topic();
        r.payload = msg->to_string();
        r.qos = msg->get_qos();
        r.retained = msg->is_retained();
        const auto& props = msg->get_properties();
        const std::size_t n_user = props.count(mqtt::property::USER_PROPERTY);
        for (std::size_t i = 0; i < n_user; ++i) {
            auto [k, v] = mqtt::get<mqtt::string_pair>(props, mqtt::property::USER_PROPERTY, i);
            r.user_props[k] = v;
        }
        if (props.contains(mqtt::property::CORRELATION_DATA)) {
            r.correlation_data = mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA);
        }
        {
            std::lock_guard lock(mu);
            inbox.push_back(std::move(r));
        }
        cv.notify_all();
    }

    void on_down(int reason) {
        {
            std::lock_guard lock(mu);
            is_connected = false;
            if (reason >= 0) disconnect_reason = reason;
        }
        cv.notify_all();
    }
};

TestClient::TestClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
    if (options.client_id.empty()) options.client_id = unique_id();
    impl_->options = std::move(options);
    const auto& o = impl_->options;
    mqtt::create_options create(o.mqtt_version);
    impl_->client = std::make_unique<mqtt::async_client>(
        "tcp://" + o.host + ":" + std::to_string(o.port), o.client_id, create, nullptr);
    Impl* impl = impl_.get();
    impl_->client->set_message_callback([impl](mqtt::const_message_ptr msg) { impl->on_message(msg); });
    impl_->client->set_connection_lost_handler([impl](const std::string&) { impl->on_down(-1); });
    impl_->client->set_disconnected_handler(
        [impl](const mqtt::properties&, mqtt::ReasonCode reason) { impl->on_down(static_cast<int>(reason)); });
}

TestClient::~TestClient() {
    if (connected()) {
        try {
            impl_->client->disconnect(0)->wait_for(std::chrono::seconds(2));
        } catch (const std::exception&) {
        }
    }
    impl_->client->disable_callbacks();
}

int TestClient::connect() {
    const auto& o = impl_->options;
    mqtt::connect_options opts;
    opts.set_mqtt_version(o.mqtt_version);  // before the clean flag: it resets the other one
    if (o.mqtt_version >= 5) {
        opts.set_clean_start(o.clean);
        if (o.session_expiry > 0) {
            mqtt::properties props;
            props.add({mqtt::property::SESSION_EXPIRY_INTERVAL, o.session_expiry});
            opts.set_properties(props);
        }
    } else {
        opts.set_clean_session(o.clean);
    }
    if (!o.username.empty()) opts.set_user_name(o.username);
    if (!o.password.empty()) opts.set_password(o.password);
    opts.set_automatic_reconnect(false);
    opts.set_connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(o.timeout));
    opts.set_keep_alive_interval(std::chrono::seconds(60));
    try {
        auto tok = impl_->client->connect(opts);
        if (!tok->wait_for(o.timeout + std::chrono::seconds(1))) return -1;
        {
            std::lock_guard lock(impl_->mu);
            impl_->is_connected = true;
            impl_->disconnect_reason = -1;
        }
        return 0;
    } catch (const mqtt::exception& e) {
        return code_of(e);
    }
}

std::vector<int> TestClient::subscribe(std::vector<std::string> filters, int qos) {
    std::vector<int> codes;
    try {
        auto topics = mqtt::string_collection::create(filters);
        std::vector<int> qoss(filters.size(), qos);
        auto tok = impl_->client->subscribe(topics, qoss);
        if (!tok->wait_for(impl_->options.timeout)) return std::vector<int>(filters.size(), -1);
        const auto response = tok->get_subscribe_response();
        for (auto rc : response.get_reason_codes()) codes.push_back(static_cast<int>(rc));
        if (codes.size() != filters.size()) codes.assign(filters.size(), codes.empty() ? -1 : codes.front());
    } catch (const mqtt::exception& e) {
        codes.assign(filters.size(), code_of(e));
    }
    return codes;
}

int TestClient::publish(std::string topic, std::string payload, int qos, bool retain,
                        std::map<std::string, std::string> user_props, std::string correlation_data) {
    auto msg = mqtt::make_message(std::move(topic), std::move(payload), qos, retain);
    if (impl_->options.mqtt_version >= 5) {
        mqtt::properties props;
        for (const auto& [k, v] : user_props) props.add({mqtt::property::USER_PROPERTY, k, v});
        if (!correlation_data.empty()) props.add({mqtt::property::CORRELATION_DATA, correlation_data});
        msg->set_properties(props);
    }
    try {
        auto tok = impl_->client->publish(msg);
        if (!tok->wait_for(impl_->options.timeout)) return -1;
        return qos == 0 ? 0 : static_cast<int>(tok->get_reason_code());
    } catch (const mqtt::exception& e) {
        return code_of(e);
    }
}

std::vector<TestClient::Received> TestClient::wait_messages(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mu);
    impl_->cv.wait_for(lock, timeout, [&] { return impl_->inbox.size() >= n; });
    std::vector<Received> out(std::make_move_iterator(impl_->inbox.begin()),
                              std::make_move_iterator(impl_->inbox.end()));
    impl_->inbox.clear();
    return out;
}

std::vector<TestClient::Received> TestClient::take_messages() { return wait_messages(0, std::chrono::milliseconds(0)); }

bool TestClient::wait_disconnected(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout, [&] { return !impl_->is_connected; });
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
    if (!connected()) return;
    try {
        impl_->client->disconnect()->wait_for(impl_->options.timeout);
    } catch (const mqtt::exception&) {
    }
    impl_->on_down(-1);
}

const std::string& TestClient::client_id() const { return impl_->options.client_id; }

}  // namespace amo::harness
