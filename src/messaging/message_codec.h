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
  // Added with the console's compose page (schema fields 8-11; last, so positional initializers
  // of the fields above stay valid).
  std::string staff_user{};        // Console user who composed it ("" from the CLI).
  std::string author_node{};       // Composing node id, lowercase hex ("" in older entries).
  std::string flow_name{};         // Flow name when picked by name ("" else).
  uint32_t previewed_count = 0;    // Workers the author's preview reached (0 = none recorded).
  // Added with channels (schema field 12).
  std::vector<std::string> channels{};  // "sms", "whatsapp", "telegram" it may use; empty = any.
};

/// One dispatch record. phase: "intent", "sent", "failed", "expired", "cancelled" (summary).
struct BatchRecord {
  std::string message_id;
  uint32_t batch = 0;
  std::string phase;
  uint32_t attempt = 0;
  std::vector<std::string> recipients, contact_uuids, broadcast_uuids, flow_start_uuids;
  uint32_t recipient_count = 0, targeted_count = 0;  // Workers.
  std::string error;
  int64_t called_at_ms = 0;
  std::vector<int64_t> broadcast_ids;  // RapidPro's integer ids of broadcast_uuids (same order).
  std::string scope;  // Filled by the view.
  uint32_t phone_count = 0;         // Distinct phones (one SMS each); 0 in older records.
  uint32_t shared_phone_count = 0;  // Phones shared by 2+ workers.
  std::vector<std::string> urns{};  // Sent to these urns (a message limited to channels); empty:
                                    // sent to contact_uuids.
};

struct ResponseRecord {
  std::string message_id, entity_id;
  int64_t answered_at_ms = 0;
  std::vector<std::pair<std::string, std::string>> values;
  std::string raw_text, source_id, district;
  std::string scope;  // Filled by the view.
  std::string contact_uuid{};              // RapidPro contact that answered.
  std::vector<std::string> shared_with{};  // Workers of a shared phone (entity_id then ""): ambiguous.
  std::string phone{};                     // E.164 of the contact's tel: urn.
};

/// An operator's cancel (schema MessageCancel), with the feed facts the view adds.
struct CancelRecord {
  std::string message_id, staff_user, reason;
  int64_t at_ms = 0;
  std::string scope, feed_author;  // Filled by the view.
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

CancelRecord cancel_from_capnp(schema::MessageCancel::Reader r);
void cancel_to_capnp(const CancelRecord& c, schema::MessageCancel::Builder b);
nlohmann::json cancel_to_json(const CancelRecord& c);
CancelRecord cancel_from_json(const nlohmann::json& j);

}  // namespace mhero
