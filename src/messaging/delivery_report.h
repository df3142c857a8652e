// What RapidPro says became of the SMS of one message (schema/payload.capnp DeliveryReport):
// the plain record, its Cap'n Proto and JSON forms, and the "delivery" view that keeps the latest
// report per message (key "delivery/<messageId>", JSON; schema/README.md "Delivery view").
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "payload.capnp.h"
#include "store/view.h"

namespace mhero {

/// RapidPro API v2 message statuses (MsgReadSerializer.STATUSES): the order pages show them in.
/// `final` ones never change again.
inline constexpr const char* kDeliveryStatuses[] = {"queued", "wired", "sent", "delivered", "read",
                                                    "handled", "errored", "failed"};
bool delivery_status_final(std::string_view status);

struct DeliveryRecord {
  std::string message_id;
  std::map<std::string, uint32_t> counts;    // RapidPro status -> SMS count.
  std::map<std::string, uint32_t> failures;  // Failure reason -> count (errored + failed).
  uint32_t broadcast_count = 0;              // Broadcasts polled.
  int64_t polled_at_ms = 0;                  // Unix ms of the poll (central node's clock).
  bool final = false;                        // No count will change any more.
  /// The same counts per channel ("sms", "whatsapp", "telegram": the scheme of each message's
  /// urn; empty in reports written before channels).
  std::map<std::string, std::map<std::string, uint32_t>> by_channel;

  /// SMS counted over every status.
  uint32_t total() const;
  /// Same counts, failures, broadcasts and finality (the poll time is ignored): nothing to write.
  bool same_counts(const DeliveryRecord& other) const;
};

DeliveryRecord delivery_from_capnp(schema::DeliveryReport::Reader r);
void delivery_to_capnp(const DeliveryRecord& d, schema::DeliveryReport::Builder b);
nlohmann::json delivery_to_json(const DeliveryRecord& d);
DeliveryRecord delivery_from_json(const nlohmann::json& j);

/// The "delivery" view: the latest deliveryReport per message (a report polled earlier than the
/// held one never replaces it, so feed arrival order does not matter).
class DeliveryView final : public View {
 public:
  std::string_view name() const override { return "delivery"; }
  int version() const override { return 1; }
  Status apply(const Entry& entry, ViewBatch& batch) override;
};

std::string delivery_key(std::string_view message_id);

/// The latest report held for `message_id`, or nullopt. Errors: corruption (undecodable value),
/// store errors.
Result<std::optional<DeliveryRecord>> delivery_report(const ViewReader& views, std::string_view message_id);

}  // namespace mhero
