// Validation flows (DESIGN.md "Corrections, provenance, node health"): a health worker's own
// answers to a RapidPro validation flow propose a registry correction on the worker's behalf.
// The central node's response poller (response_poller.h) hands each completed run of a
// configured flow (RapidPro API v2 runs.json: `flow`, `values{result_key: {value, category}}`,
// `exit_type`) to ValidationProposer, which writes at most one registryCorrection per run with
// `byWorker` set and `proposerUser` = "rapidpro run <run uuid>" (the run is the proposer; that
// text is also the idempotency key: a run polled again never proposes twice). The correction is
// checked and written by registry::propose_correction, so it carries the worker's district (its
// scope) and the record version the central node held.
//
// Results read (config.toml [validation]; keys named after the flow's result keys):
//   phone_changed_key  "yes" (value or category: yes, y, true, 1) = the number changed
//   new_phone_key      the new number (field "phone"); taken when phone_changed_key is "yes",
//                      or when that result is absent from the run
//   left_post_key      "yes" = the worker left the post (field "status" = "left")
// An answer that cannot become a correction (a number libphonenumber refuses, "changed" without a
// number, a shared phone, a record of no district) is a REFUSED proposal: kept in node-local meta
// "validation/refused/<run uuid>" (JSON: run, flow, entity_id, district, answer, reason, at_ms),
// listed by `mhero registry corrections list --refused` and the console's queue; no correction is
// written. Not thread-safe (one poller at a time: Job::messaging).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "identity/node_key.h"
#include "node/config.h"
#include "registry/phone.h"
#include "store/log_store.h"
#include "util/clock.h"

namespace mhero {

struct ValidationConfig {
  std::vector<std::string> flows;  // Flow uuids or names; empty = no validation flow (off).
  std::string phone_changed_key = "phone_changed";
  std::string new_phone_key = "new_phone";
  std::string left_post_key = "left_post";
  /// True when the run's flow ({uuid, name}) is one of `flows` (uuid exact, name case-insensitive).
  bool matches(const nlohmann::json& flow_ref) const;
};

/// Reads config.toml [validation] (flows, phone_changed_key, new_phone_key, left_post_key);
/// defaults for absent keys. Errors: invalid_argument naming the key (an empty result key, an
/// empty flow).
Result<ValidationConfig> load_validation_config(const toml::table& table);

/// One refused proposal (meta "validation/refused/<run uuid>").
struct RefusedProposal {
  std::string run_uuid, flow, entity_id, district, answer, reason;
  int64_t at_ms = 0;  // When it was refused (Unix ms, this node's clock).
};
nlohmann::json to_json(const RefusedProposal& r);
/// Every refused proposal held, newest first. Errors: the store's.
Result<std::vector<RefusedProposal>> refused_proposals(const LogStore& store);

struct ValidationStats {
  size_t proposed = 0;   // Corrections written.
  size_t refused = 0;    // New refused proposals recorded.
  size_t unchanged = 0;  // Runs that changed nothing (same number, "no").
  size_t already = 0;    // Runs already turned into a correction or a refusal.
};

class ValidationProposer {
 public:
  /// Serialises a proposal with registry decisions (Node::exclusive(Job::registry)); may be empty.
  using RegistryLock = std::function<std::unique_lock<std::mutex>()>;
  /// `config` must be the central node's (propose_correction writes into the record's district
  /// scope). Everything referenced must outlive the proposer.
  ValidationProposer(LogStore& store, const NodeKey& key, const NodeConfig& config, const Clock& clock,
                     std::string default_region, ValidationConfig validation, RegistryLock lock = nullptr)
      : store_(store), key_(key), config_(config), clock_(clock), phones_(std::move(default_region)),
        validation_(std::move(validation)), lock_(std::move(lock)) {}

  const ValidationConfig& config() const { return validation_; }

  /// Considers one runs.json item answered by the health workers `entity_ids` (one, or several
  /// sharing the phone). Ignores runs of other flows and runs not completed (exit_type other than
  /// "completed": a later poll sees them again). Errors: only the store's (retry next poll);
  /// every problem with the answer itself is a refused proposal, counted in `stats`.
  Status consider(const nlohmann::json& run, const std::vector<std::string>& entity_ids, ValidationStats& stats);

 private:
  Status refuse(const std::string& run_uuid, RefusedProposal r, ValidationStats& stats);

  LogStore& store_;
  const NodeKey& key_;
  const NodeConfig& config_;
  const Clock& clock_;
  registry::PhoneNormalizer phones_;
  ValidationConfig validation_;
  RegistryLock lock_;
};

}  // namespace mhero
