// The "messages" view: outgoing messages, their dispatch records and the responses to them,
// derived from outgoingMessage, dispatch and response entries (schema/payload.capnp).
//
// Keys (values are JSON):
//   messages/m/<messageId>                 the message as written by its author
//   messages/b/<messageId>/<batch, 8 hex>  latest dispatch record of one send batch
//                                          (batch ffffffff = the message summary)
//   messages/r/<messageId>/<sourceId>      one response
//   messages/s/<sourceId>                  messageId of a held response (deduplication)
//   messages/u/<RapidPro uuid>             messageId of a sent broadcast / flow start
//   messages/c/<entityID>/<messageId>      calledAtMs of a send that reached the worker
//   messages/x/<messageId>                 the cancel of the message (first writer wins)
//   messages/flows                         the newest flowList (by HLC) with its hlc
// Each key is written by one feed only and independent of the others, so the view is the same
// whatever the interleaving of feeds; states are combined when read (message_query.h).
#pragma once

#include "store/view.h"

namespace mhero {

class MessageView final : public View {
 public:
  std::string_view name() const override { return "messages"; }
  int version() const override { return 1; }
  Status apply(const Entry& entry, ViewBatch& batch) override;
};

inline constexpr uint32_t kSummaryBatch = 0xFFFFFFFFu;

/// View keys (also used by readers).
std::string message_key(std::string_view message_id);
std::string batch_key(std::string_view message_id, uint32_t batch);
std::string batch_prefix(std::string_view message_id);
std::string response_key(std::string_view message_id, std::string_view source_id);
std::string response_prefix(std::string_view message_id);
std::string response_source_key(std::string_view source_id);
std::string send_uuid_key(std::string_view rapidpro_uuid);
std::string worker_send_prefix(std::string_view entity_id);
std::string cancel_key(std::string_view message_id);
std::string flow_list_key();

}  // namespace mhero
