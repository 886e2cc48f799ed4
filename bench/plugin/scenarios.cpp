#include "bench/plugin/scenarios.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench/plugin/load_loop.h"
#include "bench/plugin/mqtt_wire.h"

namespace amo::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::uint16_t kKeepalive = 600;  // no PINGREQ during a run
constexpr std::size_t kPayloadSize = 256;
constexpr int kWindowMessages = 100;       // fan-out: published but not yet delivered everywhere
constexpr int kPublisherInflight = 100;    // QoS 1 publishes awaiting PUBACK
constexpr int kChatUserInflight = 16;
constexpr int kChatWindow = 400;           // chat: sent but not yet arrived at the service

std::string tail(const std::string& s, std::size_t n = 2000) { return s.size() > n ? s.substr(s.size() - n) : s; }

[[noreturn]] void fail(const harness::Mosquitto& broker, Kind k, const std::string& what) {
  throw std::runtime_error(std::string(name(k)) + ": " + what + "\nbroker log tail:\n" + tail(broker.log()));
}

Conn& open_client(Loop& loop, const Creds& c) {
  Conn& conn = loop.open();
  put_connect(conn.out, c.client_id, c.username, c.password, kKeepalive);
  loop.send(conn);
  return conn;
}

void subscribe(Loop& loop, Conn& conn, const std::vector<std::string>& filters, int qos) {
  put_subscribe(conn.out, conn.take_id(), filters, qos);
  ++conn.subacks_pending;
  loop.send(conn);
}

// Waits for every CONNACK and SUBACK of the set-up phase; any refusal is an error.
void await_setup(Loop& loop, const std::vector<Conn*>& conns, const harness::Mosquitto& broker, Kind k) {
  const bool ok = loop.run(
      [&] {
        return std::all_of(conns.begin(), conns.end(), [](const Conn* c) {
          return c->connack >= 0 && c->subacks_pending == 0;
        }) || loop.refused() > 0 || loop.eofs() > 0;
      },
      nullptr, Clock::now() + 60s);
  if (!ok) fail(broker, k, "set-up timed out");
  if (loop.refused() > 0 || loop.eofs() > 0)
    fail(broker, k, "set-up refused (" + std::to_string(loop.refused()) + " refusals, " +
                        std::to_string(loop.eofs()) + " closed)");
}

// Pads a JSON text ending in `"}}` to exactly kPayloadSize bytes by growing its last string.
std::string pad(std::string head, const std::string& tail_text) {
  const std::size_t used = head.size() + tail_text.size();
  if (used < kPayloadSize) head.append(kPayloadSize - used, 'x');
  return head + tail_text;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Nanoseconds the process has spent on a CPU (first field of /proc/<pid>/schedstat).
double cpu_ns(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/schedstat");
  double ns = 0;
  in >> ns;
  return ns;
}

// Times one phase of `units` units against `broker`.
template <typename Phase>
Measure timed(const harness::Mosquitto& broker, double units, Phase&& phase) {
  const double cpu0 = cpu_ns(broker.pid());
  const auto t0 = Clock::now();
  phase();
  const double secs = seconds_since(t0);
  const double cpu = cpu_ns(broker.pid()) - cpu0;
  return Measure{units / secs, cpu / 1000.0 / units};
}

}  // namespace

double rss_mib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  throw std::runtime_error("no VmRSS for pid " + std::to_string(pid));
}

Measure fanout(const Fixture& fx, Kind k, const harness::Mosquitto& broker, int qos, const Sizes& s, int run) {
  const std::string tag = "-q" + std::to_string(qos) + "-r" + std::to_string(run);
  Loop loop(broker.port());
  std::vector<Conn*> all;
  const std::vector<std::string> filters{"amo/" + std::string(kAmo) + "/broadcast/#"};
  for (int i = 0; i < s.fanout_subscribers; ++i) {
    Conn& c = open_client(loop, fx.user(k, i, "fan-" + user_name(i) + tag));
    subscribe(loop, c, filters, qos);
    all.push_back(&c);
  }
  Conn& pub = open_client(loop, fx.service(k, "fan-svc" + tag));
  all.push_back(&pub);
  await_setup(loop, all, broker, k);

  const std::string topic = "amo/" + std::string(kAmo) + "/broadcast/events";
  const std::string payload =
      pad(R"({"v":1,"id":"5b0c6a7e-2f0d-4c8e-9a51-3f1e2d4c5b6a","kind":"notification","amo":"A1",)"
          R"("ts":"2026-11-25T10:00:00.123Z","payload":{"title":"Work order updated","level":"info","body":")",
          R"("}})");
  const auto subs = static_cast<std::uint64_t>(s.fanout_subscribers);
  std::uint64_t published = 0, target = 0;
  auto top_up = [&] {
    bool any = false;
    while (published < target && published * subs - loop.delivered() < kWindowMessages * subs &&
           (qos == 0 || pub.inflight < kPublisherInflight)) {
      put_publish(pub.out, topic, payload, qos, qos ? pub.take_id() : 0);
      if (qos) ++pub.inflight;
      ++published;
      any = true;
    }
    if (any) loop.send(pub);
  };
  auto finished = [&] { return loop.delivered() == target * subs && pub.inflight == 0; };
  auto phase = [&](std::uint64_t messages) {
    target += messages;
    if (!loop.run(finished, top_up, Clock::now() + 120s))
      fail(broker, k, "fan-out timed out at " + std::to_string(loop.delivered()) + " of " +
                          std::to_string(target * subs) + " deliveries");
    if (loop.eofs() > 0) fail(broker, k, "a fan-out client was disconnected");
  };
  phase(static_cast<std::uint64_t>(std::max(20, s.fanout_messages / 10)));  // warm-up
  return timed(broker, static_cast<double>(s.fanout_messages) * static_cast<double>(subs),
               [&] { phase(static_cast<std::uint64_t>(s.fanout_messages)); });
}

Measure chat(const Fixture& fx, Kind k, const harness::Mosquitto& broker, const Sizes& s, int run) {
  const std::string tag = "-r" + std::to_string(run);
  Loop loop(broker.port());
  std::vector<Conn*> all;
  Conn& svc = open_client(loop, fx.service(k, "chat-svc" + tag));
  svc.keep_first = true;
  subscribe(loop, svc, {"amo/" + std::string(kAmo) + "/thread/+/chat"}, 1);
  all.push_back(&svc);
  std::vector<Conn*> users;
  std::vector<std::string> topics;
  for (int i = 0; i < s.chat_users; ++i) {
    users.push_back(&open_client(loop, fx.user(k, i, "chat-" + user_name(i) + tag)));
    all.push_back(users.back());
    topics.push_back("amo/" + std::string(kAmo) + "/thread/" + thread_of(i) + "/chat");
  }
  await_setup(loop, all, broker, k);

  const std::string text_head = R"({"v":1,"kind":"chat.message","client_msg_id":")";
  std::uint64_t sent = 0, target = 0;
  std::string payload;
  auto top_up = [&] {
    for (bool progress = true; progress;) {
      progress = false;
      for (std::size_t i = 0; i < users.size(); ++i) {
        Conn& u = *users[i];
        if (sent >= target || sent - loop.delivered() >= kChatWindow) return;
        if (u.inflight >= kChatUserInflight) continue;
        const std::string id = "m" + std::to_string(run) + "x" + std::to_string(sent) + "xxxxxxxx";
        payload = pad(text_head + id + R"(","payload":{"text":"Torque check on the left main gear done, )",
                      R"("}})");
        put_publish(u.out, topics[i], payload, 1, u.take_id());
        ++u.inflight;
        ++sent;
        loop.send(u);
        progress = true;
      }
    }
  };
  auto finished = [&] {
    return loop.delivered() == target &&
           std::all_of(users.begin(), users.end(), [](const Conn* c) { return c->inflight == 0; });
  };
  auto phase = [&](std::uint64_t messages) {
    target += messages;
    if (!loop.run(finished, top_up, Clock::now() + 120s))
      fail(broker, k, "chat timed out at " + std::to_string(loop.delivered()) + " of " + std::to_string(target) +
                          " arrivals, " + std::to_string(sent) + " sent, " + std::to_string(loop.pubacks()) +
                          " PUBACKs (rejected by the plugin?)");
    if (loop.eofs() > 0) fail(broker, k, "a chat client was disconnected");
  };
  phase(static_cast<std::uint64_t>(std::max(100, s.chat_messages / 10)));  // warm-up
  // What arrives is what the broker forwards: stamped by ours, untouched by the others.
  const bool stamped = svc.first_payload.find(R"("sender":"u)") != std::string::npos;
  if (stamped != (k == Kind::ours)) fail(broker, k, "unexpected chat payload: " + svc.first_payload);
  return timed(broker, static_cast<double>(s.chat_messages), [&] { phase(static_cast<std::uint64_t>(s.chat_messages)); });
}

Measure connects(const Fixture& fx, Kind k, const harness::Mosquitto& broker, const Sizes& s, int run,
                 token::Alg alg, int token_pool) {
  const int warmup = std::max({50, s.connects / 20, token_pool});
  const int total = warmup + s.connects;
  const int distinct = token_pool > 0 ? token_pool : total;
  // Signed before the clock starts: the broker's verify is measured, our signing is not.
  std::vector<Creds> creds;
  creds.reserve(static_cast<std::size_t>(distinct));
  for (int i = 0; i < distinct; ++i)
    creds.push_back(fx.user(k, i % s.idle_users,
                            "cx-r" + std::to_string(run) + "-" + std::to_string(i), alg));

  Loop loop(broker.port());
  std::vector<Conn*> lanes(static_cast<std::size_t>(s.connect_lanes), nullptr);
  int started = 0, completed = 0, limit = 0;
  auto top_up = [&] {
    for (auto& lane : lanes) {
      if (lane && lane->connack >= 0 && !lane->disconnect_sent) {
        if (lane->connack != 0) fail(broker, k, "connect refused, CONNACK " + std::to_string(lane->connack));
        put_disconnect(lane->out);
        lane->disconnect_sent = true;
        loop.send(*lane);
      }
      if (lane && lane->eof) {
        if (!lane->disconnect_sent) fail(broker, k, "connection closed before CONNACK");
        loop.close(*lane, false);  // the broker closed first: no TIME_WAIT on our side
        ++completed;
        lane = nullptr;
      }
      if (!lane && started < limit) lane = &open_client(loop, creds[static_cast<std::size_t>(started++ % distinct)]);
    }
  };
  auto phase = [&](int n) {
    limit += n;
    if (!loop.run([&] { return completed == limit; }, top_up, Clock::now() + 120s))
      fail(broker, k, "connects timed out at " + std::to_string(completed) + " of " + std::to_string(limit));
  };
  phase(warmup);
  return timed(broker, static_cast<double>(s.connects), [&] { phase(s.connects); });
}

Rss idle(const Fixture& fx, Kind k, const Sizes& s, int run) {
  std::vector<Creds> creds;
  creds.reserve(static_cast<std::size_t>(s.idle_users));
  for (int i = 0; i < s.idle_users; ++i)
    creds.push_back(fx.user(k, i, "idle-" + user_name(i) + "-r" + std::to_string(run)));

  auto broker = fx.start(k);
  std::this_thread::sleep_for(500ms);
  Rss r;
  r.start_mib = rss_mib(broker->pid());
  {
    Loop loop(broker->port());
    const std::string amo = "amo/" + std::string(kAmo);
    int opened = 0;
    constexpr int kBatch = 200;  // connections awaiting their SUBACK
    auto top_up = [&] {
      while (opened < s.idle_users && opened - static_cast<int>(loop.subacks()) < kBatch) {
        const int i = opened++;
        Conn& c = open_client(loop, creds[static_cast<std::size_t>(i)]);
        subscribe(loop, c,
                  {amo + "/user/" + user_name(i) + "/#", amo + "/thread/" + thread_of(i) + "/#",
                   amo + "/broadcast/#"},
                  1);
      }
    };
    const bool ok = loop.run(
        [&] { return static_cast<int>(loop.subacks()) == s.idle_users || loop.refused() > 0 || loop.eofs() > 0; },
        top_up, Clock::now() + 180s);
    if (!ok) fail(*broker, k, "idle connects timed out at " + std::to_string(loop.subacks()));
    if (loop.refused() > 0 || loop.eofs() > 0)
      fail(*broker, k, "idle users refused (" + std::to_string(loop.refused()) + ") or closed (" +
                           std::to_string(loop.eofs()) + ")");
    loop.run_for(1500ms);  // settle
    if (loop.eofs() > 0 || loop.open_count() != static_cast<std::size_t>(s.idle_users))
      fail(*broker, k, "idle users dropped while settling");
    r.idle_mib = rss_mib(broker->pid());
  }
  return r;
}

}  // namespace amo::bench
