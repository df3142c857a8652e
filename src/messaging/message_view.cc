#include "messaging/message_view.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <tuple>

#include "messaging/flow_list.h"
#include "messaging/message_codec.h"
#include "store/entry.h"
#include "store/hlc.h"

namespace mhero {

std::string message_key(std::string_view id) { return "messages/m/" + std::string(id); }

std::string batch_prefix(std::string_view id) { return "messages/b/" + std::string(id) + "/"; }

std::string batch_key(std::string_view id, uint32_t batch) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", batch);
  return batch_prefix(id) + hex;
}

std::string response_prefix(std::string_view id) { return "messages/r/" + std::string(id) + "/"; }

std::string response_key(std::string_view id, std::string_view source) {
  return response_prefix(id) + std::string(source);
}

std::string response_source_key(std::string_view source) { return "messages/s/" + std::string(source); }

std::string send_uuid_key(std::string_view uuid) { return "messages/u/" + std::string(uuid); }

std::string worker_send_prefix(std::string_view entity) { return "messages/c/" + std::string(entity) + "/"; }

std::string cancel_key(std::string_view id) { return "messages/x/" + std::string(id); }

std::string flow_list_key() { return "messages/flows"; }

Status MessageView::apply(const Entry& entry, ViewBatch& batch) {
  auto payload = entry.payload();
  switch (entry.kind()) {
    case schema::Payload::OUTGOING_MESSAGE: {
      MessageRecord m = message_from_capnp(payload.getOutgoingMessage());
      if (m.id.empty()) return {};
      m.feed_author = entry.feed().author.hex();
      m.scope = entry.feed().scope;
      m.written_ms = static_cast<int64_t>(HybridClock::physical_ms(entry.hlc_time()));
      std::string key = message_key(m.id);
      MHERO_ASSIGN_OR_RETURN(auto held, batch.get(key));
      if (!held) batch.put(key, message_to_json(m).dump());  // First writer of an id wins.
      return {};
    }
    case schema::Payload::DISPATCH: {
      BatchRecord b = batch_from_capnp(payload.getDispatch());
      if (b.message_id.empty()) return {};
      b.scope = entry.feed().scope;
      batch.put(batch_key(b.message_id, b.batch), batch_to_json(b).dump());
      if (b.phase == "sent" && b.batch != kSummaryBatch) {
        for (auto& u : b.broadcast_uuids) batch.put(send_uuid_key(u), b.message_id);
        for (auto& u : b.flow_start_uuids) batch.put(send_uuid_key(u), b.message_id);
        for (auto& e : b.recipients) batch.put(worker_send_prefix(e) + b.message_id, std::to_string(b.called_at_ms));
      }
      return {};
    }
    case schema::Payload::RESPONSE: {
      ResponseRecord r = response_from_capnp(payload.getResponse());
      if (r.source_id.empty()) return {};
      r.scope = entry.feed().scope;
      std::string message = r.message_id.empty() ? "-" : r.message_id;
      batch.put(response_key(message, r.source_id), response_to_json(r).dump());
      batch.put(response_source_key(r.source_id), message);
      return {};
    }
    case schema::Payload::MESSAGE_CANCEL: {
      CancelRecord c = cancel_from_capnp(payload.getMessageCancel());
      if (c.message_id.empty()) return {};
      c.scope = entry.feed().scope;
      c.feed_author = entry.feed().author.hex();
      std::string key = cancel_key(c.message_id);
      MHERO_ASSIGN_OR_RETURN(auto held, batch.get(key));
      // Two nodes may cancel one message before either hears of the other: every node keeps the
      // earliest (by its writer's clock, then author), whatever order they arrive in.
      bool earlier = !held;
      if (held) {
        auto j = nlohmann::json::parse(*held, nullptr, /*allow_exceptions=*/false);
        CancelRecord kept = j.is_object() ? cancel_from_json(j) : CancelRecord{};
        earlier = !j.is_object() || std::tie(c.at_ms, c.feed_author) < std::tie(kept.at_ms, kept.feed_author);
      }
      if (earlier) batch.put(key, cancel_to_json(c).dump());
      return {};
    }
    case schema::Payload::FLOW_LIST: {
      if (entry.feed().scope != "national") return {};  // Only the central node shares flows.
      FlowList l = flow_list_from_capnp(payload.getFlowList());
      l.hlc = entry.hlc_time();
      MHERO_ASSIGN_OR_RETURN(auto held, batch.get(flow_list_key()));
      if (held) {
        auto j = nlohmann::json::parse(*held, nullptr, false);
        if (!j.is_discarded() && j.value("hlc", uint64_t{0}) >= l.hlc) return {};  // Newest wins.
      }
      batch.put(flow_list_key(), flow_list_to_json(l).dump());
      return {};
    }
    default:
      return {};
  }
}

}  // namespace mhero
