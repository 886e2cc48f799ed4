#pragma once
// The one list of configuration keys (DESIGN §8): name, type, default, which programs use
// it and which require it. R = amo-relay, T = amo-token-service, M = `amo-relay migrate`.
// Config (config.h) gets one member per key from this list, and the loader checks every key
// of a file against it, so a key lives in exactly one place.
//
// X(name, type, default, used_by, required_by)
//   type: str | int | bool; default: a literal of that type ("" = unset for str).
#define AMO_CONFIG_KEYS(X)                                            \
  X(database_url, str, "", R | T | M, R | T | M)                      \
  X(migration_database_url, str, "", M, 0)                            \
  X(broker_host, str, "", R | T, R | T)                               \
  X(broker_port, int, 0, R | T, R | T)                                \
  X(service_token_file, str, "", R | T, 0)                            \
  X(service_signing_key_file, str, "", R | T, 0)                      \
  X(instance_id, str, "", R | T, 0)                                   \
  X(log_level, str, "info", R | T | M, 0)                             \
  X(http_listen, str, "", R | T, R | T)                               \
  X(issuer, str, "", R | T, R | T)                                    \
  X(audience, str, "amo-realtime", R | T, 0)                          \
  X(max_token_ttl, int, 300, R | T, 0)                                \
  X(max_service_token_ttl, int, 86400, R | T, 0)                      \
  X(jwks_file, str, "", R | T, R)                                     \
  X(signing_key_file, str, "", T, T)                                  \
  X(portal_secret_file, str, "", R | T, 0)                            \
  X(portal_jwks_file, str, "", R | T, 0)                              \
  X(portal_session_cookie, str, "session", R | T, 0)                  \
  X(cors_origins, str, "", R | T, 0)                                  \
  X(schema_dir, str, "", R | T, 0)                                    \
  X(migrations_dir, str, "", M, 0)                                    \
  X(history_days, int, 7, R, 0)                                       \
  X(max_attempts, int, 10, R, 0)                                      \
  X(batch_size, int, 100, R, 0)                                       \
  X(partitions, int, 16, R, 0)                                        \
  X(lease_seconds, int, 10, R, 0)                                     \
  X(poll_min_ms, int, 2, R, 0)                                        \
  X(poll_max_ms, int, 200, R, 0)                                      \
  X(notify, bool, false, R, 0)                                        \
  X(sse_per_user, int, 10, R, 0)                                      \
  X(sse_total, int, 20000, R, 0)                                      \
  X(public_broker_url, str, "", T, T)                                 \
  X(shard_map_file, str, "", R | T, 0)                                \
  X(token_ttl, int, 120, T, 0)                                        \
  X(token_rate, int, 5, T, 0)                                         \
  X(token_burst, int, 20, T, 0)                                       \
  X(ip_rate, int, 100, T, 0)                                          \
  X(ip_burst, int, 200, T, 0)                                         \
  X(message_rate, int, 20, T, 0)                                      \
  X(message_burst, int, 40, T, 0)                                     \
  X(max_body, int, 16384, T, 0)                                       \
  X(web_root, str, "", 0, 0)
