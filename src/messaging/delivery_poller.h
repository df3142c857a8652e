// The central node's delivery poller: asks RapidPro what became of the SMS of each broadcast the
// dispatcher made (RapidPro API v2 GET messages.json?broadcast=<id>, `next` pagination; statuses
// queued, wired, sent, delivered, read, handled, errored, failed) and keeps the counts per
// message in a signed `deliveryReport` entry in the message's scope (schema/payload.capnp), so
// the message's district sees them too.
//
// Idempotent: the counts are recomputed from scratch on each poll and an entry is written only
// when they differ from the held report; polling twice with no change writes nothing.
// Bounded: at most `max_broadcasts` broadcasts per pass (the messages whose report is oldest
// first, so every message gets its turn) and at most `max_messages_per_broadcast` SMS read per
// broadcast. A message stops being polled once every SMS is in a final state, or `stop_after`
// after its first send (its last report is then marked final).
// Backoff: after a RapidPro error (unavailable, refused) the next passes are skipped until a
// wait that starts at `backoff_initial` and doubles to `backoff_max`; a good pass resets it.
// Flow starts get no report: RapidPro lists a flow's SMS only per contact.
// Not thread-safe: run from the messaging task's thread.
#pragma once

#include <chrono>

#include "identity/node_key.h"
#include "integrations/rapidpro_client.h"
#include "messaging/delivery_report.h"
#include "node/config.h"
#include "store/log_store.h"
#include "util/clock.h"

namespace mhero {

struct DeliveryPollerOptions {
  size_t max_broadcasts = 50;                   // delivery_poll_max_count: broadcasts per pass.
  size_t max_messages_per_broadcast = 10'000;   // SMS read per broadcast (40 pages of 250).
  std::chrono::milliseconds stop_after{3LL * 24 * 3600 * 1000};  // delivery_poll_stop_ms.
  std::chrono::milliseconds backoff_initial{60'000};             // First skip after an error.
  std::chrono::milliseconds backoff_max{30LL * 60'000};          // Longest skip.
};

/// [rapidpro] delivery_poll_max_count and delivery_poll_stop_ms (defaults above); the backoff
/// follows backoff_initial_ms / backoff_max_ms of the same table. Errors: invalid_argument for a
/// value <= 0, naming the key.
Result<DeliveryPollerOptions> load_delivery_options(const toml::table& table);

struct DeliveryStats {
  size_t broadcasts = 0;   // Broadcasts polled this pass.
  size_t sms = 0;          // SMS statuses read.
  size_t written = 0;      // deliveryReport entries written (counts changed).
  bool skipped = false;    // The pass was skipped (backing off after an error).
};

class DeliveryPoller {
 public:
  /// All references must outlive the poller; `key` signs the reports.
  DeliveryPoller(LogStore& store, const NodeKey& key, const Clock& clock, RapidProClient& client,
                 DeliveryPollerOptions options = {})
      : store_(store), key_(key), clock_(clock), client_(client), options_(options) {}

  /// One pass. Errors: unavailable / failed_precondition from RapidPro (the backoff starts; the
  /// reports already written stay), store errors.
  Result<DeliveryStats> run_once();

  /// Unix ms before which passes are skipped (0 = not backing off).
  int64_t backoff_until_ms() const { return backoff_until_ms_; }
  const DeliveryPollerOptions& options() const { return options_; }

 private:
  LogStore& store_;
  const NodeKey& key_;
  const Clock& clock_;
  RapidProClient& client_;
  DeliveryPollerOptions options_;
  int64_t backoff_until_ms_ = 0;
  std::chrono::milliseconds backoff_{0};
};

}  // namespace mhero
