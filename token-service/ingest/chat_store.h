#pragma once
// Storing inbound chat (DESIGN §7): in one transaction, each message's row in
// realtime_chat_messages (read receipts: realtime_chat_reads) and its fan-out outbox row on
// amo/{amo}/thread/{t}/events carrying the same envelope (so the same id). A message whose
// (amo_id, sender_id, client_msg_id) is already stored is a no-op: no row, no outbox row.
#include <span>
#include <string>
#include <vector>

#include "daemon/pg/connection.h"
#include "token-service/ingest/chat_check.h"

namespace amo::token_service {

std::vector<pg::Statement> chat_store_statements();

// One transaction for the batch; the envelope ids of the messages stored now (the others
// were duplicates). The batch must not hold one dedupe key twice (chat_ingest drops the
// repeats before). Throws what libpqxx throws; nothing is stored then.
std::vector<std::string> store_chats(pqxx::connection& db, std::span<const InboundChat* const> batch);

// The envelope id stored for the message's dedupe key; "" if none.
std::string stored_event_id(pqxx::connection& db, const InboundChat& chat);

}  // namespace amo::token_service
