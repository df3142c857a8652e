// The central node's dispatcher (DESIGN.md "Central integrations", RapidPro API v2): hands every
// due outgoing message to RapidPro exactly once.
//
// For each message held that is due (not-before passed), not expired and not finished, urgent
// before routine: resolve its target now; make sure each worker is a RapidPro contact
// (ContactSync); send in batches of at most 100 contacts with POST broadcasts.json (text) or
// flow_starts.json (flow). Each batch is bracketed by `dispatch` entries in the author's scope
// (national or district/<code>): an INTENT before the call (batch, recipients, contact uuids,
// time) and the OUTCOME after (sent + RapidPro uuid, or failed + RapidPro's error). A final
// SUMMARY record (batch 0xFFFFFFFF) marks the message dispatched / failed / expired.
//
// Exactly once: an intent without an outcome (a crash, or a timeout/5xx whose fate is unknown)
// is reconciled before anything is sent again: broadcasts / flow starts created since the intent
// are listed and matched by content and contact set (flow starts also by extra.mhero_message and
// extra.mhero_batch); a match becomes the outcome, only a miss is sent again.
//
// Shared phones: workers with the same number are one contact and one recipient of the send
// (one SMS); a batch records every worker in `recipients` (contact uuids repeated) and the
// distinct phones in `phoneCount`. Cancel: before every batch the dispatcher looks for a
// messageCancel of the message and stops; the summary then says "cancelled" and counts what was
// sent before.
//
// A 400 on a send fails that message (recorded with RapidPro's text) and the dispatcher moves on
// to the next message. Expired messages are never sent and get an "expired" summary.
// Not thread-safe; run it from one thread (the daemon's loop or `mhero dispatch`).
#pragma once

#include <functional>
#include <string_view>

#include "identity/node_key.h"
#include "integrations/rapidpro_client.h"
#include "messaging/contact_sync.h"
#include "messaging/message_query.h"
#include "messaging/worker_directory.h"
#include "store/log_store.h"
#include "util/clock.h"

namespace mhero {

struct DispatcherOptions {
  size_t batch_size = 100;                                 // Contacts per RapidPro call (<= 100).
  std::chrono::milliseconds reconcile_slack{10 * 60'000};  // Clock skew allowed vs RapidPro.
  int send_attempts = 5;                                   // Per batch on 5xx/timeouts.
  size_t max_batches_per_pass = 0;  // New batches one run_once() may send (0 = no limit); the
                                    // rest waits for the next pass (`mhero dispatch --max-batches`).
};

/// Test seam: called at each step ("contacts", "intent", "post", "outcome", "summary") after it
/// took effect; returning true simulates a crash there (run_once returns aborted at once).
using FaultHook = std::function<bool(std::string_view step)>;

class Dispatcher {
 public:
  /// All references must outlive the dispatcher. `key` signs the dispatch entries.
  Dispatcher(LogStore& store, const NodeKey& key, const Clock& clock, RapidProClient& client,
             ContactSync& contacts, const WorkerDirectory& directory, DispatcherOptions options = {});

  /// One pass over the held messages. Returns ok when every due message was handled (sent,
  /// failed with a 400, expired); unavailable when RapidPro could not be reached (what is left is
  /// retried on the next pass); aborted from the fault hook; corruption/unavailable from the store.
  Status run_once();

  void set_fault_hook(FaultHook hook) { fault_ = std::move(hook); }
  /// Sends (broadcasts + flow starts) made, for the benchmark.
  size_t sends() const { return sends_; }
  /// Count settled batches and recipients in `metrics` (not owned; nullptr = not counted).
  void set_metrics(ops::Metrics* metrics) { metrics_ = metrics; }
  /// Workers and distinct phones of the messages finished by this dispatcher (summaries written).
  size_t workers_sent() const { return workers_sent_; }
  size_t phones_sent() const { return phones_sent_; }

 private:
  Status dispatch(const MessageState& state);
  Status reconcile(const MessageRecord& m, BatchRecord& batch, bool may_resend);
  /// Sends one batch whose intent is written; writes its outcome. *message_failed on a 400.
  Status send_batch(const MessageRecord& m, BatchRecord& batch, bool* message_failed);
  Result<std::optional<std::string>> find_sent(const MessageRecord& m, const BatchRecord& batch);
  Status write(const MessageRecord& m, const BatchRecord& record);
  /// write(), then the fault hook's "outcome" step.
  Status write_outcome(const MessageRecord& m, const BatchRecord& record);
  /// Counts a new attempt of `record` (now), writes its intent, then the "intent" step.
  Status write_next_attempt(const MessageRecord& m, BatchRecord& record);
  Status step(std::string_view name);
  std::string scope_of(const MessageRecord& m) const;

  LogStore& store_;
  const NodeKey& key_;
  const Clock& clock_;
  RapidProClient& client_;
  ContactSync& contacts_;
  const WorkerDirectory& directory_;
  DispatcherOptions options_;
  FaultHook fault_;
  size_t sends_ = 0;
  ops::Metrics* metrics_ = nullptr;
  size_t batches_this_pass_ = 0;
  size_t workers_sent_ = 0, phones_sent_ = 0;
};

/// The JSON body of the send for batch `b` of message `m` (broadcasts.json or flow_starts.json).
nlohmann::json send_body(const MessageRecord& m, const BatchRecord& b);

}  // namespace mhero
