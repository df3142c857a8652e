// Plain records for outgoingMessage, dispatch and response payloads (schema/payload.capnp), their
// Cap'n Proto conversions, and the JSON form the "messages" view stores.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "payload.capnp.h"

namespace mhero {

/// Who a message is for: values within one list OR-ed, non-empty lists AND-ed.
struct MessageTarget {
  std::vector<std::string> cadres, districts, facilities, skills, entity_ids;
  bool empty() const {
    return cadres.empty() && districts.empty() && facilities.empty() && skills.empty() && entity_ids.empty();
  }
};

struct MessageRecord {
  std::string id;                                         // messageId (UUID).
  std::vector<std::pair<std::string, std::string>> texts;  // (lang, text); lang "" = default.
  std::string flow_uuid;
  MessageTarget target;
  bool urgent = false;
  int64_t not_before_ms = 0;  // Unix ms; 0 = now.
  int64_t expires_at_ms = 0;  // Unix ms; 0 = never.
  std::string author;
  // Filled by the view from the entry.
  std::string feed_author, scope;
  int64_t written_ms = 0;
};

/// One dispatch record. phase: "intent", "sent", "failed", "expired".
struct BatchRecord {
  std::string message_id;
  uint32_t batch = 0;
  std::string phase;
  uint32_t attempt = 0;
  std::vector<std::string> recipients, contact_uuids, broadcast_uuids, flow_start_uuids;
  uint32_t recipient_count = 0, targeted_count = 0;
  std::string error;
  int64_t called_at_ms = 0;
  std::vector<int64_t> broadcast_ids;  // RapidPro's integer ids of broadcast_uuids (same order).
  std::string scope;  // Filled by the view.
};

struct ResponseRecord {
  std::string message_id, entity_id;
  int64_t answered_at_ms = 0;
  std::vector<std::pair<std::string, std::string>> values;
  std::string raw_text, source_id, district;
  std::string scope;  // Filled by the view.
};

MessageRecord message_from_capnp(schema::OutgoingMessage::Reader r);
void message_to_capnp(const MessageRecord& m, schema::OutgoingMessage::Builder b);
nlohmann::json message_to_json(const MessageRecord& m);
MessageRecord message_from_json(const nlohmann::json& j);

BatchRecord batch_from_capnp(schema::Dispatch::Reader r);
void batch_to_capnp(const BatchRecord& d, schema::Dispatch::Builder b);
nlohmann::json batch_to_json(const BatchRecord& d);
BatchRecord batch_from_json(const nlohmann::json& j);

ResponseRecord response_from_capnp(schema::Response::Reader r);
void response_to_capnp(const ResponseRecord& d, schema::Response::Builder b);
nlohmann::json response_to_json(const ResponseRecord& d);
ResponseRecord response_from_json(const nlohmann::json& j);

}  // namespace mhero
