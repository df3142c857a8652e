// Health workers' answers into DHIS2 as aggregate data values (Web API `POST /api/dataValueSets`,
// dhis2-core DataValueSetController / DefaultDataValueSetService; docs.dhis2.org "Data values").
//
// A push reads every response held (messaging/answer_view.h), keeps those of a flow the mapping
// names (integrations/dhis2_mapping.h), finds each worker's facility and its DHIS2 org unit (the
// index integrations/dhis2_pull.h keeps), aggregates per (data element, category option combo,
// org unit, period), and posts the values that differ from what DHIS2 last accepted
// (`importStrategy=CREATE_AND_UPDATE`, `dryRun=true` on request) in one JSON data value set.
// Values are absolute, never increments: posting the same set twice changes nothing (DHIS2 counts
// them ignored) and a corrected answer posts the new value, which DHIS2 counts updated.
//
// DHIS2's import summary is read in both shapes servers send: 2.38+ wraps it in a WebMessage
// ({"httpStatus", "status", "response": {"responseType": "ImportSummary", …}}, 409 when some
// value had a conflict), older ones send it bare. Values DHIS2 rejected (rejectedIndexes, the
// conflicts' indexes, or for old servers a conflict whose `object` names the value's data
// element, org unit or period) are not recorded as pushed, so the next push tries them again.
//
// Meta keys (node-local, central node): "dhis2/<url>/pushed/<de>/<period>/<ou>/<coc>" = the
// value DHIS2 accepted; "dhis2/<url>/push/<16 hex ms>" = one push's record (JSON; push_record_json).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "integrations/dhis2_config.h"
#include "integrations/dhis2_mapping.h"
#include "store/log_store.h"
#include "util/clock.h"

namespace mhero::integrations {

struct Dhis2Value {
  std::string data_element, period, org_unit, category_option_combo, value;
  size_t workers = 0;  // Workers whose answers made it.
  bool operator==(const Dhis2Value&) const = default;
};

struct Dhis2PushReport {
  int64_t at_ms = 0;
  bool dry_run = false;
  std::vector<Dhis2Value> sent;       // Posted, in posting order (the dataValues' indexes).
  size_t unchanged = 0;               // Values equal to what DHIS2 last accepted (not posted).
  size_t responses_used = 0;          // Answers that fed a value.
  size_t no_facility = 0;             // Answers of workers with no facility DHIS2 knows.
  size_t not_numeric = 0;             // Answers sum / mean could not use.
  int http_status = 0;                // 0 = nothing posted.
  nlohmann::json summary;             // DHIS2's ImportSummary (null when nothing posted).
  std::vector<size_t> rejected;       // Indexes into `sent` DHIS2 refused.
  /// Mapping rules ("flow / result") no held answer's message matched: a flow named otherwise in
  /// the mapping than in RapidPro, or no answer yet.
  std::vector<std::string> unmatched;
};

/// The values `rules` make of the responses held in `store` (nothing posted): what a push would
/// send before comparing with what DHIS2 accepted. Errors: store errors, corruption.
Result<std::vector<Dhis2Value>> dhis2_values(const LogStore& store, const Dhis2Config& config,
                                             const std::vector<Dhis2ValueRule>& rules, Dhis2PushReport& report);

/// One push (see above). `all` posts every value, changed or not. The report is recorded in
/// meta when something was posted and DHIS2 answered with a summary (dry runs and refusals too). Errors (nothing recorded
/// as pushed): permission_denied (401/403, naming the credentials), unavailable (network, 5xx),
/// invalid_argument naming the URL for an answer that is not JSON or not an import summary
/// (e.g. "malformed JSON"), store errors.
Result<Dhis2PushReport> push_dhis2(LogStore& store, net::HttpClient& http, const Dhis2Config& config,
                                   const std::vector<Dhis2ValueRule>& rules, const Clock& clock, bool dry_run,
                                   bool all = false);

/// A push report as kept in meta and printed by `mhero dhis2 status --json`.
nlohmann::json push_record_json(const Dhis2PushReport& r);
/// The pushes recorded for `config.url`, newest first, at most `limit`.
std::vector<nlohmann::json> dhis2_pushes(const LogStore& store, const Dhis2Config& config, size_t limit);

}  // namespace mhero::integrations
