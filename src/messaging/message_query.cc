#include "messaging/message_query.h"

#include <algorithm>

#include "messaging/message_view.h"

namespace mhero {

using json = nlohmann::json;

namespace {

Result<json> parse(std::string_view key, std::string_view value) {
  json j = json::parse(value, nullptr, false);
  if (j.is_discarded()) return corruption("messages view: undecodable value at " + std::string(key));
  return j;
}

Result<MessageState> load(const ViewReader& views, const MessageRecord& m) {
  MessageState s;
  s.message = m;
  Status bad;
  MHERO_RETURN_IF_ERROR(views.scan(batch_prefix(m.id), [&](std::string_view k, std::string_view v) {
    auto j = parse(k, v);
    if (!j.ok()) {
      bad = j.status();
      return false;
    }
    BatchRecord b = batch_from_json(*j);
    if (b.batch == kSummaryBatch) {
      s.summary = b;
    } else {
      s.batches.push_back(b);
    }
    return true;
  }));
  MHERO_RETURN_IF_ERROR(bad);
  MHERO_ASSIGN_OR_RETURN(auto cancel, views.get(cancel_key(m.id)));
  if (cancel) {
    MHERO_ASSIGN_OR_RETURN(json c, parse(cancel_key(m.id), *cancel));
    s.cancel = cancel_from_json(c);
  }
  MHERO_RETURN_IF_ERROR(views.scan(response_prefix(m.id), [&](std::string_view, std::string_view) {
    ++s.responses;
    return true;
  }));
  return s;
}

}  // namespace

std::string MessageState::state() const {
  if (summary) return summary->phase == "sent" ? "dispatched" : summary->phase;
  if (cancel) return "cancelled";
  return batches.empty() ? "pending" : "dispatching";
}

uint32_t MessageState::sent_count() const {
  if (summary) return summary->recipient_count;
  uint32_t n = 0;
  for (auto& b : batches) {
    if (b.phase == "sent") n += b.recipient_count;
  }
  return n;
}

uint32_t MessageState::targeted_count() const {
  if (summary) return summary->targeted_count;
  uint32_t n = 0;
  for (auto& b : batches) n += static_cast<uint32_t>(b.recipients.size());
  return n;
}

uint32_t MessageState::phone_count() const {
  auto phones = [](const BatchRecord& b) { return b.phone_count != 0 ? b.phone_count : b.recipient_count; };
  if (summary) return phones(*summary);
  uint32_t n = 0;
  for (auto& b : batches) {
    if (b.phase == "sent") n += phones(b);
  }
  return n;
}

std::string MessageState::describe() const {
  std::string s = state();
  if (s == "dispatching") {
    // The whole target is counted only when the dispatcher finishes: the batches so far are
    // not all of it (a kill between batches left "dispatching 100/100" for 217 workers).
    const uint32_t sent = sent_count(), phones = phone_count(), previewed = message.previewed_count;
    s += ": " + std::to_string(sent) + (previewed > sent ? " of about " + std::to_string(previewed) : std::string()) +
         " workers sent so far";
    if (phones != sent) s += " (on " + std::to_string(phones) + (phones == 1 ? " phone)" : " phones)");
    return s;
  }
  if (s == "dispatched") {
    s += " " + std::to_string(sent_count()) + "/" + std::to_string(targeted_count());
    uint32_t phones = phone_count();
    if (phones != sent_count()) s += " workers on " + std::to_string(phones) + (phones == 1 ? " phone" : " phones");
  }
  if (s == "cancelled") {
    s += sent_count() == 0 ? std::string(" (before any batch was handed to RapidPro)")
                               : " (" + std::to_string(sent_count()) + "/" + std::to_string(targeted_count()) +
                                     " sent before the cancel)";
  }
  if (summary && !summary->error.empty()) s += ": " + summary->error;
  return s;
}

namespace {

Result<std::vector<MessageState>> list_where(const ViewReader& views,
                                            const std::function<Result<bool>(const MessageRecord&)>& keep) {
  std::vector<MessageRecord> records;
  Status bad;
  MHERO_RETURN_IF_ERROR(views.scan("messages/m/", [&](std::string_view k, std::string_view v) {
    auto j = parse(k, v);
    if (!j.ok()) {
      bad = j.status();
      return false;
    }
    records.push_back(message_from_json(*j));
    return true;
  }));
  MHERO_RETURN_IF_ERROR(bad);
  std::stable_sort(records.begin(), records.end(),
                   [](auto& a, auto& b) { return a.written_ms > b.written_ms; });
  std::vector<MessageState> out;
  for (auto& m : records) {
    if (keep) {
      MHERO_ASSIGN_OR_RETURN(bool kept, keep(m));
      if (!kept) continue;
    }
    MHERO_ASSIGN_OR_RETURN(auto s, load(views, m));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

Result<std::vector<MessageState>> list_messages(const ViewReader& views) { return list_where(views, nullptr); }

Result<std::vector<MessageState>> list_unfinished_messages(const ViewReader& views) {
  return list_where(views, [&views](const MessageRecord& m) -> Result<bool> {
    MHERO_ASSIGN_OR_RETURN(auto summary, views.get(batch_key(m.id, kSummaryBatch)));
    return !summary.has_value();
  });
}

Result<std::vector<MessageState>> list_messages_where(const ViewReader& views,
                                                      const std::function<Result<bool>(const MessageRecord&)>& keep) {
  return list_where(views, keep);
}

Result<MessageState> message_state(const ViewReader& views, std::string_view id) {
  MHERO_ASSIGN_OR_RETURN(auto v, views.get(message_key(id)));
  if (!v) return not_found("message " + std::string(id) + " is not held here");
  MHERO_ASSIGN_OR_RETURN(json j, parse(message_key(id), *v));
  return load(views, message_from_json(j));
}

Result<std::vector<ResponseRecord>> list_responses(const ViewReader& views, const std::optional<std::string>& message,
                                                   const std::optional<std::string>& district) {
  std::vector<ResponseRecord> out;
  Status bad;
  std::string prefix = message ? response_prefix(*message) : "messages/r/";
  MHERO_RETURN_IF_ERROR(views.scan(prefix, [&](std::string_view k, std::string_view v) {
    auto j = parse(k, v);
    if (!j.ok()) {
      bad = j.status();
      return false;
    }
    ResponseRecord r = response_from_json(*j);
    if (!district || r.district == *district) out.push_back(std::move(r));
    return true;
  }));
  MHERO_RETURN_IF_ERROR(bad);
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.answered_at_ms < b.answered_at_ms; });
  return out;
}

Result<bool> response_held(const ViewReader& views, std::string_view source_id) {
  MHERO_ASSIGN_OR_RETURN(auto v, views.get(response_source_key(source_id)));
  return v.has_value();
}

}  // namespace mhero
