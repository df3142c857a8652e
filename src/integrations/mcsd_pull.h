// The central node's pull from an mCSD Directory (IHE mCSD on FHIR R4: iHRIS 5, OpenInfoMan's
// FHIR facade, any mCSD server). Read only: it never writes into the registry.
//
// Per resource type (Location, Organization, Practitioner, PractitionerRole; Practitioner on
// its own, because a phone change bumps only the Practitioner's meta.lastUpdated):
//   - GET {url}/{Type}/_history?_count=N[&_since=S] (ITI-91) when the CapabilityStatement at
//     {url}/metadata lists the type's `history-type` interaction, else
//     GET {url}/{Type}?_count=N[&_lastUpdated=gtS] (ITI-90); no _include / _revinclude;
//   - then Bundle.link[next].url exactly as given until there is none;
//   - S is the type's high-water mark minus [mcsd] overlap_ms. The mark is the server's own time:
//     the first page's Bundle.meta.lastUpdated, else the newest resource meta.lastUpdated seen.
// Pages are merged by id and version (registry/mcsd_bundle.h), mapped (registry/mcsd_mapper.h)
// and imported together (registry/importer.h). The marks and the roles are saved in the store's
// meta column family (roles in 256 buckets) only after the import's entries are committed: an error or crash before
// then re-pulls the same versions, which write nothing the second time.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "identity/node_key.h"
#include "net/http_client.h"
#include "node/config.h"
#include "registry/importer.h"
#include "registry/mcsd_rules.h"
#include "registry/phone.h"
#include "store/log_store.h"

namespace mhero::integrations {

/// [mcsd] in config.toml (README.md "mCSD (FHIR R4) source").
struct McsdConfig {
  enum class Auth { none, basic, bearer };
  std::string url;                 // url: FHIR base, without a trailing '/'.
  Auth auth = Auth::none;          // auth: "none", "basic", "bearer".
  std::string username, password;  // For basic.
  std::string token;               // For bearer.
  std::string ca_file;             // ca_file: PEM; empty = the system store.
  size_t page_count = 100;         // page_count: _count.
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};  // timeout_ms, per page.
  std::chrono::milliseconds overlap{std::chrono::minutes(5)};    // overlap_ms.
  size_t max_pages = 100000;  // Per type; more is taken as a paging loop.
  registry::McsdRules rules;  // district_*, job_* (files loaded by from()).

  /// Errors: invalid_argument naming the key (url unset, unknown auth, a missing credential),
  /// or the job files' errors.
  static Result<McsdConfig> from(const NodeConfig& config);
  /// The Authorization header for `auth`, empty for none.
  std::string authorization() const;
  /// "mcsd:" + url: the source stored on every record from this server.
  std::string source() const { return "mcsd:" + url; }
};

/// True when [mcsd] url is set (the source is configured).
bool mcsd_configured(const NodeConfig& config);

/// Meta key of a type's high-water mark for server `url`.
std::string mcsd_mark_key(const std::string& url, const std::string& type);
/// Meta key prefix of the roles kept for server `url` one per key (written before buckets; read,
/// and cleared when the role changes).
std::string mcsd_role_prefix(const std::string& url);
/// Meta key prefix of the role buckets for server `url`: "<prefix><2 hex>" holds a JSON object
/// {role id: role} (registry::encode_role), 256 buckets by FNV-1a of the id, so a pull makes one
/// durable meta write per touched bucket instead of one per role.
std::string mcsd_role_bucket_prefix(const std::string& url);
/// Meta key prefix of the Practitioner -> CSD entityID aliases kept for server `url`
/// ([mcsd] csd_id_system; registry/mcsd_mapper.h).
std::string mcsd_alias_prefix(const std::string& url);

struct McsdPullReport {
  registry::ImportReport import;
  size_t requests = 0;   // HTTP requests made (metadata and pages).
  size_t resources = 0;  // Resource versions received (before merging).
  size_t practitioners = 0, roles = 0, locations = 0, organizations = 0;  // After merging.
  std::map<std::string, std::string> mode;   // Type -> "history" or "search".
  std::map<std::string, std::string> marks;  // Meta key -> high-water mark saved.
};

/// Pulls every type since its mark and imports the changes. Errors (nothing imported, no mark
/// saved): permission_denied (401/403: check the [mcsd] credentials), not_found (404 on a
/// first URL: check [mcsd] url), aborted (a next link answered 404/410: the server's paging
/// ids expired; pull again), unavailable (network, timeouts, 5xx), invalid_argument (a reply
/// that is not a Bundle, naming the URL and the reason), store errors.
Result<McsdPullReport> pull_mcsd(LogStore& store, const NodeKey& key, net::HttpClient& http,
                                 const McsdConfig& config, const registry::PhoneNormalizer& phones,
                                 const registry::ImportOptions& options);

}  // namespace mhero::integrations
