// Dispatcher::dispatch: one message, from its current dispatch records to its summary.
#include <spdlog/spdlog.h>

#include <set>

#include "messaging/dispatcher.h"
#include "messaging/message_view.h"

namespace mhero {

Status Dispatcher::dispatch(const MessageState& state) {
  const MessageRecord& m = state.message;
  const int64_t now = clock_.now().count();
  const bool expired = m.expires_at_ms != 0 && now >= m.expires_at_ms;
  if (!expired && m.not_before_ms > now) return {};  // Not due yet.

  std::vector<BatchRecord> batches = state.batches;
  bool failed = false;
  std::string error;
  for (auto& b : batches) {
    if (b.phase == "intent") MHERO_RETURN_IF_ERROR(reconcile(m, b, !expired));
    if (b.phase == "failed") {
      failed = true;
      if (error.empty()) error = b.error;
    }
  }
  std::set<std::string> covered;
  uint32_t next_batch = 0;
  for (auto& b : batches) {
    covered.insert(b.recipients.begin(), b.recipients.end());
    next_batch = std::max(next_batch, b.batch + 1);
  }

  std::vector<std::pair<std::string, std::string>> refused;
  size_t targeted = covered.size();
  if (!expired && !failed) {
    auto reach = directory_.resolve(m.target);
    if (!reach.ok()) {
      if (reach.status().code() != StatusCode::invalid_argument) return reach.status();
      failed = true;
      error = reach.status().message();
    } else {
      std::vector<Worker> fresh;
      for (auto& w : reach->workers) {
        if (!covered.contains(w.entity_id)) fresh.push_back(w);
      }
      targeted += fresh.size();
      for (size_t i = 0; i < fresh.size() && !failed; i += options_.batch_size) {
        std::vector<ContactSpec> specs;
        for (size_t j = i; j < fresh.size() && j < i + options_.batch_size; ++j) {
          specs.push_back({fresh[j].entity_id, fresh[j].name, fresh[j].e164});
        }
        MHERO_ASSIGN_OR_RETURN(auto ensured, contacts_.ensure(specs));
        MHERO_RETURN_IF_ERROR(step("contacts"));
        BatchRecord b;
        b.message_id = m.id;
        b.batch = next_batch;
        b.phase = "intent";
        b.attempt = 1;
        for (size_t j = 0; j < specs.size(); ++j) {
          if (ensured.uuids[j].empty()) continue;
          b.recipients.push_back(specs[j].entity_id);
          b.contact_uuids.push_back(ensured.uuids[j]);
        }
        refused.insert(refused.end(), ensured.refused.begin(), ensured.refused.end());
        if (b.recipients.empty()) continue;
        ++next_batch;
        b.targeted_count = static_cast<uint32_t>(b.recipients.size());
        b.called_at_ms = clock_.now().count();
        MHERO_RETURN_IF_ERROR(write(m, b));
        MHERO_RETURN_IF_ERROR(step("intent"));
        MHERO_RETURN_IF_ERROR(send_batch(m, b, &failed));
        if (failed && error.empty()) error = b.error;
        batches.push_back(b);
      }
    }
  }

  BatchRecord summary;
  summary.message_id = m.id;
  summary.batch = kSummaryBatch;
  summary.phase = expired ? "expired" : failed ? "failed" : "sent";
  for (auto& b : batches) {
    if (b.phase == "sent") summary.recipient_count += b.recipient_count;
  }
  summary.targeted_count = static_cast<uint32_t>(targeted);
  summary.error = error;
  if (!refused.empty()) {
    if (!summary.error.empty()) summary.error += "; ";
    summary.error += std::to_string(refused.size()) + " health worker(s) refused by RapidPro, first: " +
                     refused.front().first + ": " + refused.front().second;
  }
  if (summary.phase == "sent" && summary.recipient_count == 0 && !refused.empty()) summary.phase = "failed";
  summary.called_at_ms = clock_.now().count();
  MHERO_RETURN_IF_ERROR(write(m, summary));
  spdlog::info("dispatch: message {} {} ({}/{})", m.id, summary.phase, summary.recipient_count, targeted);
  return step("summary");
}

}  // namespace mhero
