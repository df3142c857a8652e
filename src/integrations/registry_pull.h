// One registry pull from every configured source: OpenInfoMan ([openinfoman], IHE CSD
// careServicesRequest), an mCSD server ([mcsd], FHIR R4) and DHIS2's org units ([dhis2], Web
// API), in that order. `mhero registry
// pull`, the daemon's [registry] pull_interval_ms timer and OpenHIM's /trigger/registry-pull all
// run this one routine, so each applies the node's [registry] scoping and the moved-share guard,
// counts the pull in /metrics (mhero_registry_pull_duration_seconds, mhero_registry_pulls_total
// by source and outcome) and keeps a guard refusal for `mhero alarms` until a pull goes through.
#pragma once

#include <optional>

#include "integrations/dhis2_pull.h"
#include "integrations/mcsd_pull.h"
#include "integrations/openinfoman_pull.h"
#include "net/http_client.h"
#include "node/node.h"

namespace mhero::integrations {

/// What each configured source gave; a source not configured stays nullopt.
struct RegistryPullReport {
  std::optional<PullReport> openinfoman;
  std::optional<McsdPullReport> mcsd;
  std::optional<Dhis2PullReport> dhis2;
};

/// Pulls from every source `config` configures and imports the changes into `node`'s store.
/// `config` is the node's own or the one OpenHIM sent (its table, checked by the caller); the
/// node directory resolves relative paths in it. `force` passes the moved-share guard. The
/// caller holds `node.exclusive(Job::registry)`. `observer`, when set, sees every HTTP exchange
/// (OpenHIM orchestrations). Errors: failed_precondition (a district node; no source configured;
/// the guard stopped an import: nothing of it written), and a source's own errors with its URL
/// named (nothing saved for it; a source pulled before it stays pulled).
Result<RegistryPullReport> pull_registry(Node& node, const NodeConfig& config, bool force,
                                         net::HttpObserver observer = nullptr);

/// The DHIS2 source alone (`mhero dhis2 pull`), with the same scoping, guard, metrics (source
/// "dhis2") and refusal alarm. Errors: as pull_registry; failed_precondition when [dhis2] url
/// is not set.
Result<Dhis2PullReport> pull_dhis2_registry(Node& node, const NodeConfig& config, bool force,
                                            net::HttpObserver observer = nullptr);

}  // namespace mhero::integrations
