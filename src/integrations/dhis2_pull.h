// The central node's pull of DHIS2's org-unit tree (Web API `GET /api/organisationUnits`,
// dhis2-core OrganisationUnitController; docs.dhis2.org "Metadata"): read only.
//
//   GET {url}/api/organisationUnits.json?fields=id,code,name,level,path,parent[id],lastUpdated,
//       attributeValues[value,attribute[id]]&paging=true&pageSize=N&page=P&order=id:asc
//       [&filter=lastUpdated:gt:S]
// for P = 1 … pager.pageCount, where S is the saved high-water mark (the newest lastUpdated seen,
// the server's clock) minus [dhis2] overlap_ms; no mark = the whole tree.
//
// Org units above [dhis2] facility_level become organization records "urn:dhis2:<uid>" (parent
// = the parent's record), those at it or deeper facility records named by [dhis2] match (the
// org unit's code, an attribute's value, or its uid; "urn:dhis2:<uid>" when the org unit has no
// such value), so a facility CSD or mCSD also gives is one record listing both sources. Every
// org unit at or below [dhis2] district_level carries its district: the code of its ancestor at
// that level (its name made a code when the code is not a valid district code). A facility
// whose district changes brings the providers held at it into the import, which moves them to
// the new district's feed exactly as a CSD change does (registry/importer.h, moved-share guard
// included). The org-unit index and the mark are saved in the store's meta column family only
// after the import is committed: an error or crash before then pulls the same changes again,
// which write nothing the second time.
#pragma once

#include <map>
#include <string>

#include "identity/node_key.h"
#include "integrations/dhis2_config.h"
#include "registry/importer.h"
#include "store/log_store.h"

namespace mhero::integrations {

/// Meta key of the lastUpdated high-water mark for instance `url`.
std::string dhis2_mark_key(const std::string& url);
/// Meta key of what is held of org unit `uid`: {"code", "name", "level", "path", "entity"}.
std::string dhis2_unit_key(const std::string& url, const std::string& uid);
/// Meta key of the org unit uid that facility `entity_id` is in DHIS2 (the push's orgUnit).
std::string dhis2_facility_key(const std::string& url, const std::string& entity_id);
/// "urn:dhis2:<uid>": the entityID of an org unit's record when nothing else names it.
std::string dhis2_entity(const std::string& uid);

/// "2024-01-15T08:00:00.000" (DHIS2's lastUpdated, UTC) of Unix ms, and back ("Z" and a
/// missing fraction are accepted); nullopt for anything else.
std::string dhis2_time_text(int64_t ms);
std::optional<int64_t> dhis2_time_ms(const std::string& text);

struct Dhis2PullReport {
  registry::ImportReport import;
  size_t requests = 0, pages = 0;
  size_t org_units = 0;              // Org units received.
  size_t facilities = 0, organizations = 0;
  size_t moved_facilities = 0;       // Facilities whose district changed.
  size_t providers_rescoped = 0;     // Providers brought in because their facility moved.
  std::string since;                 // The lastUpdated asked from ("" = the whole tree).
  std::string mark;                  // The mark saved.
};

/// Pulls the org units changed since the mark and imports them. Errors (nothing imported, no
/// mark saved): those of dhis2_get_json (401 → permission_denied naming the credentials),
/// invalid_argument naming the URL for a page that is not an organisationUnits listing or an
/// org unit without id/level/path, aborted when pages change count mid-pull, store errors and
/// the importer's failed_precondition (moved-share guard).
Result<Dhis2PullReport> pull_dhis2(LogStore& store, const NodeKey& key, net::HttpClient& http,
                                   const Dhis2Config& config, const registry::ImportOptions& options);

}  // namespace mhero::integrations
