// A DHIS2 stand-in (tests and demo) for the parts of the Web API the mHero central node uses.
// DHIS2 cannot run on these machines (Java + PostgreSQL); this follows the Web API docs
// (docs.dhis2.org "Metadata" / "Data" chapters) and dhis2-core 2.41 (OrganisationUnitController,
// DefaultDataValueSetService, DataValueSetImportValidator, WebMessageUtils.importSummary):
//
//   GET  /api/organisationUnits[.json]   {"pager": {page, pageCount, total, pageSize[, nextPage]},
//        "organisationUnits": [...]}; paging=false drops the pager. fields= picks id, code, name,
//        displayName, shortName, level, path, parent (rendered {"id"} or parent[id,code,name]),
//        lastUpdated ("2024-01-15T08:00:00.000", server time, no zone), attributeValues
//        ([{"attribute": {"id"}, "value"}]), children ([{"id"}]); ":all" / "*" give them all;
//        no fields= gives id and displayName. filter=PROP:OP:VALUE (repeatable, AND) on
//        lastUpdated (eq gt ge lt le), level (eq gt ge lt le), id / code / parent.id (eq, in with
//        [a,b]), path (like); level=N as a parameter; page, pageSize (default 50). Ordered by id.
//   POST /api/dataValueSets[.json]       JSON {dataSet?, period?, orgUnit?, dataValues: [...]};
//        importStrategy (CREATE, UPDATE, CREATE_AND_UPDATE default, DELETE), dryRun. Answers a
//        WebMessage around an ImportSummary: 200 "OK" when no conflict, 409 status WARNING when
//        some values were rejected, 409 status ERROR when the body is not a data value set.
//        importCount {imported, updated, ignored, deleted}; an unchanged value is ignored (core
//        dataValueUpdateShouldBeIgnored); an empty value deletes. Conflicts are 2.41's objects,
//        {object, objects, value, errorCode, property, indexes}, grouped by error and objects:
//        E7610 unknown data element, E7611 unparsable period, E7612 unknown org unit, E7613
//        unknown category option combo, E7617 org unit outside the user's hierarchy, E7643 a
//        closed period; rejectedIndexes lists the refused values' positions.
//   GET  /api/dataValueSets[.json]       {"dataValues": [...]} stored, filtered by dataSet,
//        period, orgUnit (each optional here; the real server needs them): the test listing.
//   GET  /api/me                         {"id", "username", "organisationUnits": [{"id"}]}.
//   Auth: `Authorization: Basic base64(user:password)` or `Authorization: ApiToken <token>`
//   (personal access tokens, 2.38+); anything else is 401 with the WebMessage DHIS2 sends.
//
// The seed is a generated Sierra-Leone-shaped tree (national → district → chiefdom → facility,
// levels 1-4) with DHIS2-style 11-character uids; add_csd_facilities() hangs a CSD document's
// facilities under districts named by their district code, so one country serves both sides.
//
// Thread-safety: every public member may be called from any thread (one mutex).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "net/http_message.h"
#include "util/clock.h"
#include "util/status.h"

namespace mhero::dhis2_emulator {

struct TreeOptions {
  size_t districts = 4;               // Up to 13 get Sierra Leone's district names.
  size_t chiefdoms_per_district = 3;
  size_t facilities_per_chiefdom = 4;
  uint64_t seed = 1;
};

struct EmulatorOptions {
  std::string username = "admin", password = "district";  // The SL demo's well-known pair.
  std::string token = "d2pat_emulator0000000000000000000000000000";  // Accepted as ApiToken.
  std::string data_set = "QX4ZTUbOt3a";  // The data set every data element belongs to.
  size_t default_page_size = 50;
  TreeOptions tree;
};

struct OrgUnit {
  std::string id, code, name;
  std::string parent;  // "" for the root.
  int level = 1;
  int64_t last_updated_ms = 0;
  std::map<std::string, std::string> attributes;  // Attribute uid -> value.
};

struct DataValue {
  std::string data_element, period, org_unit, category_option_combo, value, stored_by;
  int64_t last_updated_ms = 0;
};

/// "2024-01-15T08:00:00.000": DHIS2's lastUpdated form of Unix ms (UTC, no zone).
std::string dhis2_time(int64_t ms);
/// Parses "2024-01-15", "2024-01-15T08:00:00[.000][Z]" as UTC; nullopt otherwise.
std::optional<int64_t> parse_dhis2_time(const std::string& text);
/// A DHIS2 uid (a letter then 10 letters or digits) from a number, deterministic.
std::string make_uid(uint64_t n);

class Emulator {
 public:
  /// Seeds the tree (options.tree) and the data elements below, stamped clock.now().
  Emulator(EmulatorOptions options, const Clock& clock);

  net::HttpResponse handle(const net::HttpRequest& request);

  /// Adds the facilities of a CSD document (IHE CSD 1.0) as level-4 org units whose code is the
  /// facility's entityID, under a district whose code is the facility's district code (the
  /// district otherID of the facility or of its organizations) and a chiefdom "<district>
  /// Chiefdom"; districts not yet present are added. Returns facilities added. Errors: the
  /// parser's (file:line), invalid_argument when a facility has no district.
  Result<size_t> add_csd_facilities(const std::filesystem::path& csd_file);

  /// Known data elements: uid -> name. Seeded with three stock elements (see the .cc).
  void add_data_element(const std::string& uid, const std::string& name);
  std::map<std::string, std::string> data_elements() const;
  /// The default category option combo ("HllvX50cXC0") and any added.
  void add_category_option_combo(const std::string& uid);
  /// Periods the data set no longer accepts (E7643), e.g. "202401".
  void close_period(const std::string& period);
  /// The API user's data-capture org units (default: the root): values elsewhere get E7617.
  void set_user_org_units(std::vector<std::string> uids);

  /// Every org unit, by uid.
  std::map<std::string, OrgUnit> org_units() const;
  /// The uid of the org unit with this code, or "".
  std::string uid_of_code(const std::string& code) const;
  /// Moves an org unit under `new_parent` (path and level follow; lastUpdated = now).
  /// Errors: not_found.
  Status move(const std::string& uid, const std::string& new_parent);
  /// Renames an org unit (lastUpdated = now). Errors: not_found.
  Status rename(const std::string& uid, const std::string& name);
  /// Sets attribute `attribute` of an org unit (lastUpdated = now). Errors: not_found.
  Status set_attribute(const std::string& uid, const std::string& attribute, const std::string& value);

  /// Stored values, oldest write first (the listing tests read).
  std::vector<DataValue> values() const;
  /// POSTs to /api/dataValueSets answered so far.
  size_t imports() const;
  /// Requests refused with 401.
  size_t refused() const;
  /// The next `skip`+1-th request is answered with `status` and `body` instead (fault injection).
  void fail_next(int status, std::string body, size_t skip = 0);

 private:
  bool authenticated(const net::HttpRequest& request) const;
  net::HttpResponse list_org_units(const net::HttpRequest& request) const;
  net::HttpResponse import_values(const net::HttpRequest& request);
  net::HttpResponse list_values(const net::HttpRequest& request) const;
  std::string path_of(const std::string& uid) const;
  std::string uid_of_code_locked(const std::string& code) const;
  nlohmann::json render(const OrgUnit& ou, const std::vector<std::string>& fields) const;
  bool in_user_hierarchy(const std::string& uid) const;
  void seed_tree();
  std::string add_unit(const std::string& name, const std::string& code, const std::string& parent, int level);

  EmulatorOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, OrgUnit> units_;
  std::string root_;
  uint64_t next_uid_ = 1;
  std::map<std::string, std::string> data_elements_;
  std::set<std::string> combos_;
  std::set<std::string> closed_periods_;
  std::vector<std::string> user_units_;
  std::map<std::string, DataValue> values_;  // By de/period/ou/coc.
  std::vector<std::string> value_order_;     // Keys in first-write order.
  size_t imports_ = 0;
  mutable size_t refused_ = 0;
  std::optional<net::HttpResponse> fault_;
  size_t fault_skip_ = 0;
};

}  // namespace mhero::dhis2_emulator
