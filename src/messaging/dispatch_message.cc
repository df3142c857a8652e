// Dispatcher::dispatch: one message, from its current dispatch records to its summary.
#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "messaging/cancel.h"
#include "messaging/dispatcher.h"
#include "messaging/message_view.h"

namespace mhero {

Status Dispatcher::dispatch(const MessageState& state) {
  const MessageRecord& m = state.message;
  const int64_t now = clock_.now().count();
  const bool expired = m.expires_at_ms != 0 && now >= m.expires_at_ms;
  if (!expired && m.not_before_ms > now && !state.cancel) return {};  // Not due yet (a cancel ends it now).

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
  MHERO_ASSIGN_OR_RETURN(bool cancelled, cancel_held(store_.views(), m.id));
  if (!expired && !failed) {  // Cancelled: resolved only to count the target; nothing is sent.
    auto reach = directory_.resolve(m.target, m.channels);
    if (!reach.ok()) {
      if (reach.status().code() != StatusCode::invalid_argument) return reach.status();
      failed = true;
      error = reach.status().message();
    } else {
      // One message per phone: workers sharing the urn a send uses (a number, a chat id) are one
      // RapidPro contact (the first worker's, in entityID order) and one recipient.
      std::vector<std::vector<Worker>> phones;
      std::map<std::string, size_t> phone_index;
      for (auto& w : reach->workers) {
        if (covered.contains(w.entity_id)) continue;
        // A directory that gives no send urn (RegistryDirectory always does) sends by SMS.
        if (w.send_urn.empty() && !w.e164.empty()) w.send_urn = "tel:" + w.e164;
        if (w.urns.empty() && !w.send_urn.empty()) w.urns = {w.send_urn};
        auto [it, fresh] = phone_index.emplace(w.send_urn, phones.size());
        if (fresh) phones.emplace_back();
        phones[it->second].push_back(w);
        ++targeted;
      }
      for (size_t i = 0; i < phones.size() && !failed; i += options_.batch_size) {
        if (options_.max_batches_per_pass != 0 && batches_this_pass_ >= options_.max_batches_per_pass) {
          spdlog::info("dispatch: message {}: batch budget of this pass used; the rest goes next pass", m.id);
          return {};
        }
        MHERO_ASSIGN_OR_RETURN(cancelled, cancel_held(store_.views(), m.id));
        if (cancelled) {
          spdlog::info("dispatch: message {} cancelled; no further batches", m.id);
          break;
        }
        std::vector<ContactSpec> specs;
        for (size_t j = i; j < phones.size() && j < i + options_.batch_size; ++j) {
          const Worker& first = phones[j].front();
          specs.push_back({first.entity_id, first.name, first.urns});
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
          const auto& group = phones[i + j];
          for (const Worker& w : group) {
            b.recipients.push_back(w.entity_id);
            b.contact_uuids.push_back(ensured.uuids[j]);
          }
          ++b.phone_count;
          if (group.size() > 1) ++b.shared_phone_count;
          // Limited to channels: sent to the urn itself, not to the contact (RapidPro would use
          // the contact's first urn, whatever its channel).
          if (!m.channels.empty()) b.urns.push_back(group.front().send_urn);
        }
        refused.insert(refused.end(), ensured.refused.begin(), ensured.refused.end());
        if (b.recipients.empty()) continue;
        ++next_batch;
        ++batches_this_pass_;
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
  summary.phase = cancelled ? "cancelled" : expired ? "expired" : failed ? "failed" : "sent";
  for (auto& b : batches) {
    if (b.phase != "sent") continue;
    summary.recipient_count += b.recipient_count;
    summary.phone_count += b.phone_count != 0 ? b.phone_count : b.recipient_count;
    summary.shared_phone_count += b.shared_phone_count;
  }
  workers_sent_ += summary.recipient_count;
  phones_sent_ += summary.phone_count;
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
  spdlog::info("dispatch: message {} {} ({}/{} workers on {} phone{})", m.id, summary.phase, summary.recipient_count,
               targeted, summary.phone_count, summary.phone_count == 1 ? "" : "s");
  return step("summary");
}

}  // namespace mhero
