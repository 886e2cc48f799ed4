#include "bench/relay/raw_publisher.h"

#include <cstdio>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/envelope/timestamp.h"

namespace amo::bench_relay {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RawPublisher::RawPublisher(Options options) : options_(std::move(options)), rng_(std::random_device{}()) {
  next_seq_.assign(options_.tenants.size(), 1);
  // Null persistence and a buffer above the window, as the relay's client (daemon/mqtt).
  client_ = std::make_unique<mqtt::async_client>("tcp://127.0.0.1:" + std::to_string(options_.port),
                                                 options_.client_id, mqtt::create_options(MQTTVERSION_5, 10000),
                                                 nullptr);
  auto opts = mqtt::connect_options_builder()
                  .mqtt_version(MQTTVERSION_5)
                  .clean_start(true)
                  .user_name(options_.username)
                  .password(options_.password)
                  .keep_alive_interval(std::chrono::seconds(20))
                  .connect_timeout(std::chrono::seconds(5))
                  .finalize();
  client_->connect(opts)->wait();
}

RawPublisher::~RawPublisher() {
  try {
    client_->disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
  }
}

// The same bytes realtime_emit + the relay produce for a notification: jsonb's key order
// (by length), compact, seq last.
std::string RawPublisher::envelope(std::size_t tenant, std::int64_t seq, std::string& id_out) {
  std::uint64_t a, b;
  {
    std::lock_guard lock(rng_mutex_);
    rng_ ^= rng_ << 13, rng_ ^= rng_ >> 7, rng_ ^= rng_ << 17;
    a = rng_;
    rng_ ^= rng_ << 13, rng_ ^= rng_ >> 7, rng_ ^= rng_ << 17;
    b = rng_;
  }
  char id[37];
  std::snprintf(id, sizeof id, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  id_out = id;
  const std::int64_t n = static_cast<std::int64_t>(tenant) + (seq - 1) * static_cast<std::int64_t>(next_seq_.size());
  std::string out;
  out.reserve(200);
  out += R"({"v":1,"id":")";
  out += id;
  out += R"(","ts":")";
  envelope::append_ts(out, now_ms());
  out += R"(","amo":")";
  out += options_.tenants[tenant];
  out += R"(","kind":"notification","payload":{"body":"b","level":"info","title":"event )";
  out += std::to_string(n);
  out += R"("},"seq":)";
  out += std::to_string(seq);
  out += '}';
  return out;
}

std::string RawPublisher::send(std::size_t tenant) {
  std::string id;
  const std::int64_t seq = next_seq_[tenant]++;
  auto msg = mqtt::make_message("amo/" + options_.tenants[tenant] + "/broadcast/events", envelope(tenant, seq, id), 1,
                                false);
  msg->set_properties(mqtt::properties{{mqtt::property::USER_PROPERTY, std::string("id"), id}});
  sent_.fetch_add(1, std::memory_order_relaxed);
  client_->publish(std::move(msg), reinterpret_cast<void*>(tenant), *this);
  return id;
}

void RawPublisher::drain(std::int64_t per_tenant, std::chrono::seconds timeout) {
  per_tenant_.store(per_tenant);
  const std::uint64_t total = static_cast<std::uint64_t>(per_tenant) * options_.tenants.size();
  for (std::size_t t = 0; t < options_.tenants.size(); ++t) send(t);
  const auto deadline = Clock::now() + timeout;
  while (acked_.load() < total) {
    if (failed_.load() > 0) throw std::runtime_error("raw publisher: a publish failed");
    if (Clock::now() > deadline) throw std::runtime_error("raw publisher: drain timed out");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  per_tenant_.store(0);
}

std::string RawPublisher::publish_next(std::size_t i) {
  return send(i % options_.tenants.size());
}

bool RawPublisher::wait_acked(std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (acked_.load() < sent_.load()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// On Paho's thread, as the relay's acks: the tenant's next row goes out on its PUBACK.
void RawPublisher::on_success(const mqtt::token& tok) {
  const auto tenant = reinterpret_cast<std::size_t>(tok.get_user_context());
  if (tok.get_reason_code() >= 0x80) {
    failed_.fetch_add(1);
    return;
  }
  acked_.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t limit = per_tenant_.load();
  if (limit > 0 && next_seq_[tenant] <= limit) send(tenant);
}

void RawPublisher::on_failure(const mqtt::token&) {
  failed_.fetch_add(1);
}

}  // namespace amo::bench_relay
