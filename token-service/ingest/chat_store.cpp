#include "token-service/ingest/chat_store.h"

namespace amo::token_service {

namespace {

// $1: a JSON array of stamped envelopes. ON CONFLICT without a target makes every unique index
// an arbiter: two sessions storing the same message at once race on event_id as much as on the
// dedupe key, and a conflict on a non-arbiter index would be an error, not a no-op. Every column comes from the
// envelope itself, so what is stored is what is fanned out. Outbox rows go in arrival order (the relay gives seq in id
// order within a claim). When it stored something it wakes the relays (LISTEN realtime_outbox):
// chat is interactive, and one NOTIFY per batch costs little, where the outbox trigger would put
// the NOTIFY lock on every backend producer's commit (migration 0007).
const char* const kStoreChats =
    "WITH b AS (SELECT e, n FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n)), "
    "msg AS (INSERT INTO realtime_chat_messages (amo_id, thread_id, sender_id, client_msg_id, event_id, text) "
    "  SELECT e->>'amo', e->>'thread', e->>'sender', e->>'client_msg_id', (e->>'id')::uuid, e->'payload'->>'text' "
    "  FROM b WHERE e->>'kind' = 'chat.message' ORDER BY n "
    "  ON CONFLICT DO NOTHING RETURNING event_id), "
    "rd AS (INSERT INTO realtime_chat_reads (amo_id, thread_id, sender_id, client_msg_id, event_id, up_to_seq) "
    "  SELECT e->>'amo', e->>'thread', e->>'sender', e->>'client_msg_id', (e->>'id')::uuid, "
    "  (e->'payload'->>'up_to_seq')::bigint "
    "  FROM b WHERE e->>'kind' = 'chat.read' ORDER BY n "
    "  ON CONFLICT DO NOTHING RETURNING event_id), "
    "fresh AS (SELECT event_id FROM msg UNION ALL SELECT event_id FROM rd), "
    "out AS (INSERT INTO realtime_outbox (event_id, amo_id, topic, envelope) "
    "  SELECT (b.e->>'id')::uuid, b.e->>'amo', 'amo/' || (b.e->>'amo') || '/thread/' || (b.e->>'thread') || '/events', "
    "  b.e FROM b JOIN fresh ON fresh.event_id = (b.e->>'id')::uuid ORDER BY b.n RETURNING event_id), "
    "wake AS (SELECT pg_notify('realtime_outbox', '') FROM (SELECT 1 FROM out LIMIT 1) one) "
    "SELECT out.event_id::text FROM out CROSS JOIN wake";

const char* const kStoredMessage =
    "SELECT event_id::text FROM realtime_chat_messages WHERE amo_id = $1 AND sender_id = $2 AND client_msg_id = $3";
const char* const kStoredRead =
    "SELECT event_id::text FROM realtime_chat_reads WHERE amo_id = $1 AND sender_id = $2 AND client_msg_id = $3";

}  // namespace

std::vector<pg::Statement> chat_store_statements() {
  return {{"ts_store_chats", kStoreChats}, {"ts_stored_message", kStoredMessage}, {"ts_stored_read", kStoredRead}};
}

std::vector<std::string> store_chats(pqxx::connection& db, std::span<const InboundChat* const> batch) {
  std::string array = "[";
  for (const InboundChat* chat : batch) {
    if (array.size() > 1) array.push_back(',');
    array += chat->envelope;
  }
  array.push_back(']');
  // One statement, so one transaction in autocommit: one round trip, not three.
  pqxx::nontransaction t(db);
  const pqxx::result r = t.exec_prepared("ts_store_chats", array);
  std::vector<std::string> ids;
  ids.reserve(r.size());
  for (const auto& row : r) ids.emplace_back(row[0].c_str());
  return ids;
}

std::string stored_event_id(pqxx::connection& db, const InboundChat& chat) {
  pqxx::nontransaction t(db);
  const pqxx::result r = t.exec_prepared(chat.kind == "chat.read" ? "ts_stored_read" : "ts_stored_message", chat.amo,
                                         chat.sender, chat.client_msg_id);
  return r.empty() ? std::string() : std::string(r[0][0].c_str());
}

}  // namespace amo::token_service
