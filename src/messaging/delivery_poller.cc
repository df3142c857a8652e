#include "messaging/delivery_poller.h"

#include <capnp/message.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "integrations/json_fields.h"
#include "messaging/message_query.h"
#include "registry/csd_types.h"

namespace mhero {

using json = nlohmann::json;

Result<DeliveryPollerOptions> load_delivery_options(const toml::table& t) {
  DeliveryPollerOptions o;
  int64_t max = int_or(t, "rapidpro", "delivery_poll_max_count", static_cast<int64_t>(o.max_broadcasts));
  int64_t stop = int_or(t, "rapidpro", "delivery_poll_stop_ms", o.stop_after.count());
  int64_t b0 = int_or(t, "rapidpro", "backoff_initial_ms", 1000);
  int64_t b1 = int_or(t, "rapidpro", "backoff_max_ms", 60'000);
  if (max <= 0) return invalid_argument("config.toml [rapidpro] delivery_poll_max_count must be > 0");
  if (stop <= 0) return invalid_argument("config.toml [rapidpro] delivery_poll_stop_ms must be > 0");
  if (b0 <= 0 || b1 <= 0) return invalid_argument("config.toml [rapidpro] backoff_initial_ms / backoff_max_ms must be > 0");
  o.max_broadcasts = static_cast<size_t>(max);
  o.stop_after = std::chrono::milliseconds(stop);
  o.backoff_initial = std::chrono::milliseconds(b0);
  o.backoff_max = std::chrono::milliseconds(std::max(b0, b1));
  return o;
}

namespace {

/// A message with broadcasts to poll.
struct Candidate {
  const MessageState* state = nullptr;
  std::optional<DeliveryRecord> held;
  std::vector<int64_t> broadcast_ids;
  int64_t first_sent_ms = 0;
};

std::string scope_of(const MessageRecord& m) { return m.scope.starts_with("district/") ? m.scope : "national"; }

}  // namespace

Result<DeliveryStats> DeliveryPoller::run_once() {
  DeliveryStats stats;
  const int64_t now = clock_.now().count();
  if (now < backoff_until_ms_) {
    stats.skipped = true;
    return stats;
  }
  // Texts whose delivery report is not yet final: a finished message is skipped before its
  // batches are read, so a pass does not grow with the history.
  MHERO_ASSIGN_OR_RETURN(auto messages,
                         list_messages_where(store_.views(), [this](const MessageRecord& m) -> Result<bool> {
                           if (!m.flow_uuid.empty()) return false;
                           MHERO_ASSIGN_OR_RETURN(auto held, delivery_report(store_.views(), m.id));
                           return !(held && held->final);
                         }));
  std::vector<Candidate> due;
  for (const auto& s : messages) {
    if (!s.message.flow_uuid.empty()) continue;
    Candidate c;
    c.state = &s;
    for (const auto& b : s.batches) {
      if (b.phase != "sent") continue;
      c.broadcast_ids.insert(c.broadcast_ids.end(), b.broadcast_ids.begin(), b.broadcast_ids.end());
      if (c.first_sent_ms == 0 || b.called_at_ms < c.first_sent_ms) c.first_sent_ms = b.called_at_ms;
    }
    if (c.broadcast_ids.empty()) continue;
    MHERO_ASSIGN_OR_RETURN(c.held, delivery_report(store_.views(), s.message.id));
    if (c.held && c.held->final) continue;
    due.push_back(std::move(c));
  }
  // Never polled first, then the oldest report: every message gets its turn within the bound.
  std::stable_sort(due.begin(), due.end(), [](const Candidate& a, const Candidate& b) {
    int64_t ta = a.held ? a.held->polled_at_ms : -1, tb = b.held ? b.held->polled_at_ms : -1;
    return ta < tb;
  });

  size_t budget = options_.max_broadcasts;
  Status error;
  for (auto& c : due) {
    if (c.broadcast_ids.size() > budget) break;
    budget -= c.broadcast_ids.size();
    const MessageRecord& m = c.state->message;
    DeliveryRecord report;
    report.message_id = m.id;
    report.polled_at_ms = now;
    report.broadcast_count = static_cast<uint32_t>(c.broadcast_ids.size());
    bool complete = true;
    for (int64_t id : c.broadcast_ids) {
      size_t read = 0;
      Status listed = client_.list_all("messages.json", {{"broadcast", std::to_string(id)}}, [&](const json& sms) {
        if (json_string(sms, "direction") == "in") return Status{};
        if (++read > options_.max_messages_per_broadcast) return aborted("bound");
        std::string status = json_string(sms, "status");
        if (status.empty()) status = "unknown";
        ++report.counts[status];
        std::string urn = json_string(sms, "urn");
        auto channel = registry::channel_of_urn(urn);
        ++report.by_channel[channel ? std::string(registry::channel_name(*channel)) : urn.substr(0, urn.find(':'))][status];
        if (status == "failed" || status == "errored") {
          std::string reason = json_string(sms, "failed_reason");
          ++report.failures[reason.empty() ? status : reason];
        }
        if (!delivery_status_final(status)) complete = false;
        return Status{};
      });
      ++stats.broadcasts;
      stats.sms += std::min(read, options_.max_messages_per_broadcast);
      if (listed.code() == StatusCode::aborted) {
        spdlog::warn("delivery: broadcast {} of message {} has more than {} SMS; counted the first ones", id, m.id,
                     options_.max_messages_per_broadcast);
        complete = false;
        continue;
      }
      if (!listed.ok()) {
        error = listed;
        break;
      }
    }
    if (!error.ok()) break;
    if (c.held && report.total() < c.held->total()) {
      // RapidPro archives or deletes old messages (and a restored server forgets them): a shorter
      // listing is a loss on its side, not news. The last complete report stays.
      spdlog::warn("delivery: RapidPro now lists {} SMS for message {} where it listed {}; keeping the last "
                   "report", report.total(), m.id, c.held->total());
      continue;
    }
    report.final = (complete && report.total() > 0) ||
                   (c.first_sent_ms > 0 && now - c.first_sent_ms >= options_.stop_after.count());
    if (c.held && c.held->same_counts(report)) continue;
    capnp::MallocMessageBuilder builder;
    delivery_to_capnp(report, builder.initRoot<schema::Payload>().initDeliveryReport());
    MHERO_RETURN_IF_ERROR(store_.append(key_, scope_of(m), builder.getRoot<schema::Payload>().asReader()).status());
    ++stats.written;
  }
  if (!error.ok()) {
    backoff_ = backoff_.count() == 0 ? options_.backoff_initial : std::min(backoff_ * 2, options_.backoff_max);
    backoff_until_ms_ = now + backoff_.count();
    spdlog::warn("delivery: {}; next poll in {} s", error.to_string(), backoff_.count() / 1000);
    return error;
  }
  backoff_ = std::chrono::milliseconds(0);
  backoff_until_ms_ = 0;
  if (stats.written > 0) spdlog::info("delivery: {} report(s) written, {} SMS statuses read", stats.written, stats.sms);
  return stats;
}

}  // namespace mhero
