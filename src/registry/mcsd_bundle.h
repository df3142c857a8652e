// FHIR R4 Bundles (http://hl7.org/fhir/R4/bundle.html) as an mCSD Directory returns them:
// `searchset` (IHE ITI-90 Find Matching Care Services), `history` (ITI-91 Request Care Services
// Updates, newest version first, DELETE entries without a resource), and the `transaction` /
// `collection` Bundles iHRIS 5 ships as demo data. Only the envelope is read here; resources are
// mapped by mcsd_mapper.h.
//
// A Bundle that is not JSON, not a Bundle, or whose `entry` / `link` is not the shape R4 gives
// is an error and yields nothing. One entry with a problem (no resource type, no id, a DELETE
// whose URL names no resource) is skipped with a RecordWarning naming the entry.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "registry/csd_types.h"
#include "util/status.h"

namespace mhero::registry {

/// One resource version of a Bundle entry.
struct McsdResource {
  std::string type;          // resourceType: "Practitioner", "PractitionerRole", "Location", …
  std::string id;            // Logical id.
  std::string version_id;    // meta.versionId (or the _history/N of a DELETE url); may be empty.
  std::string last_updated;  // meta.lastUpdated exactly as written; may be empty.
  bool deleted = false;      // A history entry with request.method DELETE (no resource).
  nlohmann::json resource;   // The resource; null when deleted.

  /// "Type/id", the FHIR relative reference (also the entity id of the mapped record).
  std::string reference() const { return type + "/" + id; }
};

struct McsdBundle {
  std::string type;          // Bundle.type.
  std::string last_updated;  // Bundle.meta.lastUpdated, empty when absent.
  std::string next_url;      // link[relation = "next"].url exactly as given; empty = last page.
  std::vector<McsdResource> resources;  // In entry order.
  std::vector<RecordWarning> warnings;
};

/// Parses one Bundle. `name` (a URL or file name) is used in messages. Errors: invalid_argument
/// "NAME: not JSON (…)", "NAME: resourceType is 'OperationOutcome', expected Bundle (…)",
/// "NAME: entry 3 is not an object", each ending "(nothing imported)".
Result<McsdBundle> parse_mcsd_bundle(std::string_view text, const std::string& name);

/// Reads a Bundle from a file (parse_mcsd_bundle). Errors: not_found (cannot read), as above.
Result<McsdBundle> parse_mcsd_bundle_file(const std::string& path);

/// The newest version of each resource seen across pages and Bundles: a later page may repeat a
/// resource (it changed while we paged) and history pages hold several versions of one id. The
/// greater meta.versionId wins (numerically when both are numbers), else the later
/// meta.lastUpdated; on a tie the first one seen stays (history lists newest first).
class McsdChangeSet {
 public:
  void add(McsdResource resource);
  void add(McsdBundle&& bundle);

  /// Resources of `type` by id (sorted by id, so mapping is deterministic).
  const std::map<std::string, McsdResource>& of(const std::string& type) const;
  size_t size() const;
  const std::vector<RecordWarning>& warnings() const { return warnings_; }

 private:
  std::map<std::string, std::map<std::string, McsdResource>> by_type_;
  std::vector<RecordWarning> warnings_;
};

/// True when `a` is a newer version of the same resource than `b` (see McsdChangeSet).
bool newer_version(const McsdResource& a, const McsdResource& b);

}  // namespace mhero::registry
