// Collects health workers' answers from RapidPro (API v2) on the central node:
// GET runs.json?after=<cursor> (responded runs: values, exit_type) and
// GET messages.json?folder=incoming&after=<cursor> (free-text replies outside flows), following
// `next` pagination. Each answer becomes a `response` entry in the feed (central,
// district/<code>) of the health worker's district, so only that district receives it. The
// `after=` cursors (node-local meta "rapidpro/runs_after", "rapidpro/messages_after") are saved
// only after the entries are committed; answers seen twice (after= is inclusive) are skipped by
// their source id ("run:<uuid>", "msg:<id>").
//
// Mapping: message <- run.start (flow start uuid) or, for a reply, the latest send that reached
// the worker(s) before it; health worker <- the contact's tel: urn through the registry, else
// contact fields.globalid. When several workers hold that phone (one contact for all of them,
// dispatcher.h), the answer is recorded against the RapidPro contact with `sharedWith` = their
// entityIDs and no entityId: ambiguous, credited to none; it goes into the feed of each of their
// districts. Answers from unknown contacts or workers without a district are skipped (counted).
// Completed runs of a validation flow may also propose a registry correction (validation.h).
// Not thread-safe.
#pragma once

#include "identity/node_key.h"
#include "integrations/rapidpro_client.h"
#include "messaging/contact_sync.h"
#include "messaging/validation.h"
#include "messaging/worker_directory.h"
#include "store/log_store.h"

namespace mhero {

struct PollStats {
  size_t written = 0;    // New response entries.
  size_t duplicates = 0; // Already held.
  size_t skipped = 0;    // Unknown worker / no district / not answered.
};

class ResponsePoller {
 public:
  ResponsePoller(LogStore& store, const NodeKey& key, RapidProClient& client, ContactSync& contacts,
                 const WorkerDirectory& directory)
      : store_(store), key_(key), client_(client), contacts_(contacts), directory_(directory) {}

  /// One poll of runs then incoming messages. Errors: unavailable (RapidPro), store errors.
  /// Nothing is lost on error: the cursors only move after a commit.
  Result<PollStats> run_once();

  /// Completed runs of the validation flows also go to `proposer` (validation.h), before the
  /// duplicate check: a run first polled while still active is considered once it completes.
  /// nullptr (the default) = off. The proposer must outlive the poller.
  void set_validation(ValidationProposer* proposer) { validation_ = proposer; }
  /// What validation did in the last run_once().
  const ValidationStats& validation_stats() const { return validation_stats_; }

 private:
  Status poll(const std::string& endpoint, const std::string& cursor_key, net::QueryParams params, PollStats& stats);
  /// Who answered: the contact, its phone, and the workers holding it (one, several, or none).
  struct Who {
    std::string contact_uuid, phone;
    std::vector<Worker> workers;  // With a district; several = a shared phone.
  };
  Result<Who> who_answered(const nlohmann::json& contact_ref, const std::string& urn);

  LogStore& store_;
  const NodeKey& key_;
  RapidProClient& client_;
  ContactSync& contacts_;
  const WorkerDirectory& directory_;
  ValidationProposer* validation_ = nullptr;
  ValidationStats validation_stats_;
};

}  // namespace mhero
