#include "messaging/delivery_report.h"

#include "store/entry.h"

namespace mhero {

using json = nlohmann::json;

bool delivery_status_final(std::string_view s) {
  return s == "delivered" || s == "failed" || s == "handled" || s == "read";
}

uint32_t DeliveryRecord::total() const {
  uint32_t n = 0;
  for (const auto& [status, count] : counts) n += count;
  return n;
}

bool DeliveryRecord::same_counts(const DeliveryRecord& o) const {
  return message_id == o.message_id && counts == o.counts && failures == o.failures &&
         broadcast_count == o.broadcast_count && final == o.final && by_channel == o.by_channel;
}

namespace {

std::map<std::string, uint32_t> counts_from(capnp::List<schema::StatusCount>::Reader list) {
  std::map<std::string, uint32_t> out;
  for (auto c : list) out[c.getKey()] += c.getCount();
  return out;
}

void counts_to(const std::map<std::string, uint32_t>& counts, capnp::List<schema::StatusCount>::Builder list) {
  unsigned i = 0;
  for (const auto& [key, count] : counts) {
    list[i].setKey(key);
    list[i].setCount(count);
    ++i;
  }
}

std::map<std::string, uint32_t> counts_from(const json& j) {
  std::map<std::string, uint32_t> out;
  if (!j.is_object()) return out;
  for (auto& [key, value] : j.items()) {
    if (value.is_number_unsigned()) out[key] = value.get<uint32_t>();
  }
  return out;
}

}  // namespace

DeliveryRecord delivery_from_capnp(schema::DeliveryReport::Reader r) {
  DeliveryRecord d;
  d.message_id = r.getMessageId();
  d.counts = counts_from(r.getCounts());
  d.failures = counts_from(r.getFailures());
  d.broadcast_count = r.getBroadcastCount();
  d.polled_at_ms = r.getPolledAtMs();
  d.final = r.getFinal();
  for (auto c : r.getChannels()) d.by_channel[c.getChannel()] = counts_from(c.getCounts());
  return d;
}

void delivery_to_capnp(const DeliveryRecord& d, schema::DeliveryReport::Builder b) {
  b.setMessageId(d.message_id);
  counts_to(d.counts, b.initCounts(static_cast<unsigned>(d.counts.size())));
  counts_to(d.failures, b.initFailures(static_cast<unsigned>(d.failures.size())));
  b.setBroadcastCount(d.broadcast_count);
  b.setPolledAtMs(d.polled_at_ms);
  b.setFinal(d.final);
  auto channels = b.initChannels(static_cast<unsigned>(d.by_channel.size()));
  unsigned i = 0;
  for (const auto& [channel, counts] : d.by_channel) {
    channels[i].setChannel(channel);
    counts_to(counts, channels[i].initCounts(static_cast<unsigned>(counts.size())));
    ++i;
  }
}

json delivery_to_json(const DeliveryRecord& d) {
  return {{"message_id", d.message_id}, {"counts", d.counts}, {"failures", d.failures},
          {"broadcast_count", d.broadcast_count}, {"polled_at_ms", d.polled_at_ms}, {"final", d.final},
          {"by_channel", d.by_channel}};
}

DeliveryRecord delivery_from_json(const json& j) {
  DeliveryRecord d;
  d.message_id = j.value("message_id", "");
  d.counts = counts_from(j.contains("counts") ? j["counts"] : json());
  d.failures = counts_from(j.contains("failures") ? j["failures"] : json());
  d.broadcast_count = j.value("broadcast_count", 0u);
  d.polled_at_ms = j.value("polled_at_ms", int64_t{0});
  d.final = j.value("final", false);
  if (j.contains("by_channel") && j["by_channel"].is_object()) {
    for (auto& [channel, counts] : j["by_channel"].items()) d.by_channel[channel] = counts_from(counts);
  }
  return d;
}

std::string delivery_key(std::string_view id) { return "delivery/" + std::string(id); }

Status DeliveryView::apply(const Entry& entry, ViewBatch& batch) {
  if (entry.kind() != schema::Payload::DELIVERY_REPORT) return {};
  DeliveryRecord d = delivery_from_capnp(entry.payload().getDeliveryReport());
  if (d.message_id.empty()) return {};
  std::string key = delivery_key(d.message_id);
  MHERO_ASSIGN_OR_RETURN(auto held, batch.get(key));
  if (held) {
    json h = json::parse(*held, nullptr, false);
    if (!h.is_discarded() && h.value("polled_at_ms", int64_t{0}) > d.polled_at_ms) return {};
  }
  batch.put(key, delivery_to_json(d).dump());
  return {};
}

Result<std::optional<DeliveryRecord>> delivery_report(const ViewReader& views, std::string_view id) {
  MHERO_ASSIGN_OR_RETURN(auto v, views.get(delivery_key(id)));
  if (!v) return std::optional<DeliveryRecord>();
  json j = json::parse(*v, nullptr, false);
  if (j.is_discarded()) return corruption("delivery view: undecodable value at " + delivery_key(id));
  return std::optional<DeliveryRecord>(delivery_from_json(j));
}

}  // namespace mhero
