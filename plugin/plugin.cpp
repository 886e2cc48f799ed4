// Mosquitto 2.0.11 glue (plugin API v5): translate each event for AuthPlugin and carry its
// answer back. Decisions live in AuthPlugin and core/.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "plugin/auth_plugin.h"
#include "io/files.h"

namespace {

using amo::plugin::AuthPlugin;
using amo::plugin::Clock;
using amo::plugin::LogLevel;

constexpr const char* kRevokeTopic = "$CONTROL/amo-realtime/v1/revoke";
constexpr const char* kStatsTopic = "$SYS/broker/amo-realtime/stats";
constexpr std::int64_t kFileCheckNs = 1'000'000'000;

struct Glue {
  mosquitto_plugin_id_t* id = nullptr;
  std::unique_ptr<AuthPlugin> plugin;
  std::string jwks_path;
  amo::io::FileStamp jwks_stamp;
  std::int64_t next_file_check_ns = 0;
};

void log_line(LogLevel level, const std::string& line) {
  int mosq_level = MOSQ_LOG_INFO;
  switch (level) {
    case LogLevel::debug: mosq_level = MOSQ_LOG_DEBUG; break;
    case LogLevel::info: mosq_level = MOSQ_LOG_INFO; break;
    case LogLevel::warning: mosq_level = MOSQ_LOG_WARNING; break;
    case LogLevel::error: mosq_level = MOSQ_LOG_ERR; break;
  }
  mosquitto_log_printf(mosq_level, "%s", line.c_str());
}

void reload_jwks(Glue& g) {
  try {
    g.jwks_stamp = amo::io::stamp_of(g.jwks_path);
    g.plugin->reload_keys(amo::io::read_file(g.jwks_path));
  } catch (const std::exception& e) {
    log_line(LogLevel::error, std::string("amo-realtime: JWKS reload failed, keeping the previous keys: ") + e.what());
  }
}

int on_basic_auth(int, void* event_data, void* userdata) {
  auto* ev = static_cast<mosquitto_evt_basic_auth*>(event_data);
  auto& g = *static_cast<Glue*>(userdata);
  const char* id = mosquitto_client_id(ev->client);
  auto r = g.plugin->on_basic_auth(ev->client, id ? id : "", ev->password ? ev->password : "", Clock::read());
  if (!r.ok) return MOSQ_ERR_AUTH;
  if (!r.username.empty() && mosquitto_set_username(ev->client, r.username.c_str()) != MOSQ_ERR_SUCCESS)
    return MOSQ_ERR_AUTH;
  return MOSQ_ERR_SUCCESS;
}

int on_acl_check(int, void* event_data, void* userdata) {
  auto* ev = static_cast<mosquitto_evt_acl_check*>(event_data);
  auto& g = *static_cast<Glue*>(userdata);
  amo::acl::Access access;
  switch (ev->access) {
    case MOSQ_ACL_SUBSCRIBE: access = amo::acl::Access::subscribe; break;
    case MOSQ_ACL_READ: access = amo::acl::Access::read; break;
    case MOSQ_ACL_WRITE: access = amo::acl::Access::write; break;
    case MOSQ_ACL_UNSUBSCRIBE: return MOSQ_ERR_SUCCESS;  // dropping a subscription never leaks
    default: return MOSQ_ERR_ACL_DENIED;
  }
  const bool ok = g.plugin->on_acl(ev->client, access, ev->topic ? ev->topic : "", ev->qos, ev->retain);
  return ok ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
}

int on_message(int, void* event_data, void* userdata) {
  auto* ev = static_cast<mosquitto_evt_message*>(event_data);
  auto& g = *static_cast<Glue*>(userdata);
  const std::string_view payload = ev->payload ? std::string_view(static_cast<const char*>(ev->payload), ev->payloadlen)
                                               : std::string_view{};
  auto r = g.plugin->on_message(ev->client, ev->topic ? ev->topic : "", payload, Clock::read());
  if (!r.ok) return MOSQ_ERR_ACL_DENIED;
  if (!r.replace) return MOSQ_ERR_SUCCESS;
  // The broker frees the old payload when it sees a new pointer, so hand it one from its own
  // allocator and free nothing here. Never touch the topic (2.0.11 leaks on topic change).
  void* copy = mosquitto_malloc(r.payload.size());
  if (!copy) return MOSQ_ERR_NOMEM;
  std::memcpy(copy, r.payload.data(), r.payload.size());
  ev->payload = copy;
  ev->payloadlen = static_cast<uint32_t>(r.payload.size());
  ev->retain = false;
  return MOSQ_ERR_SUCCESS;
}

int on_tick(int, void*, void* userdata) {
  auto& g = *static_cast<Glue*>(userdata);
  const Clock now = Clock::read();
  // Kicks happen here and only here, never inside another callback (as dynamic-security does).
  for (const auto& kick : g.plugin->on_tick(now)) mosquitto_kick_client_by_clientid(kick.cid.c_str(), false);
  if (now.mono_ns >= g.next_file_check_ns) {
    g.next_file_check_ns = now.mono_ns + kFileCheckNs;
    if (amo::io::stamp_of(g.jwks_path) != g.jwks_stamp) reload_jwks(g);
  }
  if (g.plugin->stats_due(now)) {
    const std::string doc = g.plugin->stats_json();
    mosquitto_broker_publish_copy(nullptr, kStatsTopic, static_cast<int>(doc.size()), doc.data(), 0, true, nullptr);
  }
  return MOSQ_ERR_SUCCESS;
}

int on_disconnect(int, void* event_data, void* userdata) {
  auto* ev = static_cast<mosquitto_evt_disconnect*>(event_data);
  static_cast<Glue*>(userdata)->plugin->on_disconnect(ev->client, !mosquitto_client_clean_session(ev->client));
  return MOSQ_ERR_SUCCESS;
}

int on_reload(int, void*, void* userdata) {
  auto& g = *static_cast<Glue*>(userdata);
  g.plugin->on_reload();
  reload_jwks(g);
  return MOSQ_ERR_SUCCESS;
}

int on_control(int, void* event_data, void* userdata) {
  auto* ev = static_cast<mosquitto_evt_control*>(event_data);
  auto& g = *static_cast<Glue*>(userdata);
  const std::string_view payload = ev->payload ? std::string_view(static_cast<const char*>(ev->payload), ev->payloadlen)
                                               : std::string_view{};
  // A refused command is logged and counted by on_revoke; any error code here would make
  // 2.0.11 drop the sending service's connection.
  g.plugin->on_revoke(ev->client, payload);
  return MOSQ_ERR_SUCCESS;
}

struct Callback {
  int event;
  MOSQ_FUNC_generic_callback fn;
  const char* event_data;
};
constexpr Callback kCallbacks[] = {
    {MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr}, {MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr},
    {MOSQ_EVT_MESSAGE, on_message, nullptr},       {MOSQ_EVT_TICK, on_tick, nullptr},
    {MOSQ_EVT_DISCONNECT, on_disconnect, nullptr}, {MOSQ_EVT_RELOAD, on_reload, nullptr},
    {MOSQ_EVT_CONTROL, on_control, kRevokeTopic},
};

void unregister_all(Glue& g) {
  for (const auto& cb : kCallbacks) mosquitto_callback_unregister(g.id, cb.event, cb.fn, cb.event_data);
}

}  // namespace

extern "C" {

#define AMO_EXPORT __attribute__((visibility("default")))

AMO_EXPORT int mosquitto_plugin_version(int supported_version_count, const int* supported_versions) {
  for (int i = 0; i < supported_version_count; ++i)
    if (supported_versions[i] == 5) return 5;
  return -1;
}

AMO_EXPORT int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata, struct mosquitto_opt* options,
                          int option_count) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < option_count; ++i)
    pairs.emplace_back(options[i].key ? options[i].key : "", options[i].value ? options[i].value : "");
  auto parsed = amo::plugin::parse_options(pairs, AMO_DEFAULT_SCHEMA_DIR);
  if (!parsed.error.empty()) {
    log_line(LogLevel::error, "amo-realtime: refusing to start: " + parsed.error);
    return MOSQ_ERR_INVAL;
  }
  auto g = std::make_unique<Glue>();
  g->id = identifier;
  g->jwks_path = parsed.options.jwks_file;
  try {
    g->jwks_stamp = amo::io::stamp_of(g->jwks_path);
    std::string jwks = amo::io::read_file(g->jwks_path);
    auto schemas = amo::io::read_schema_dir(parsed.options.schema_dir);
    g->plugin = std::make_unique<AuthPlugin>(std::move(parsed.options), std::move(jwks), std::move(schemas),
                                             log_line, Clock::read().mono_ns);
  } catch (const std::exception& e) {
    log_line(LogLevel::error, std::string("amo-realtime: refusing to start: ") + e.what());
    return MOSQ_ERR_INVAL;
  }
  for (const auto& cb : kCallbacks) {
    if (mosquitto_callback_register(identifier, cb.event, cb.fn, cb.event_data, g.get()) != MOSQ_ERR_SUCCESS) {
      log_line(LogLevel::error, "amo-realtime: refusing to start: cannot register callback for event " +
                                    std::to_string(cb.event));
      unregister_all(*g);
      return MOSQ_ERR_INVAL;
    }
  }
  log_line(LogLevel::info, "amo-realtime: plugin " AMO_VERSION " loaded");
  *userdata = g.release();
  return MOSQ_ERR_SUCCESS;
}

AMO_EXPORT int mosquitto_plugin_cleanup(void* userdata, struct mosquitto_opt*, int) {
  std::unique_ptr<Glue> g(static_cast<Glue*>(userdata));
  if (g) unregister_all(*g);
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
