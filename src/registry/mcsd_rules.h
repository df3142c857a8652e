// How mCSD resources (IHE mCSD on FHIR R4) become our registry records: which Location is a
// district, where a job's cadre comes from. Config `[mcsd]` (README.md "mCSD (FHIR R4) source").
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>

#include "registry/csd_types.h"
#include "util/status.h"

namespace mhero::registry {

inline constexpr const char* kIhrisJobSystem = "http://ihris.org/fhir/CodeSystem/ihris-job";
inline constexpr const char* kIhrisCadreSystem = "http://ihris.org/fhir/CodeSystem/ihris-cadre";

struct McsdRules {
  /// district_type_code: a jurisdiction Location with a `type` coding of this code (any system;
  /// iHRIS 5 uses http://ihris.org/fhir/CodeSystem/ihris-jurisdiction#district) is a district.
  std::string district_type_code = "district";
  /// district_level: when > 0, the jurisdiction at this depth of the partOf chain (1 = a root,
  /// e.g. the country) is the district instead, whatever its type.
  int district_level = 0;
  /// district_identifier_system: when set, a district's code is its Location.identifier value of
  /// this system; otherwise the Location's id. Either must be a valid district code.
  std::string district_identifier_system;
  /// csd_id_system: a Practitioner identifier of this system carries the provider's CSD entityID
  /// (e.g. kept from an iHRIS 4 / OpenInfoMan registry); the Provider is then keyed by that
  /// entityID instead of "Practitioner/<id>", so a provider a CSD source also gives is one record
  /// listing both sources (record_sources.h). Empty = off.
  std::string csd_id_system;
  /// job_system: code system of PractitionerRole.code codings that are jobs.
  std::string job_system = kIhrisJobSystem;
  /// Job code -> cadre: from the job CodeSystem's `cadre` property (job_code_system_file) and a
  /// "job_code,cadre_code" CSV (job_cadre_map_file), the CSV winning.
  std::unordered_map<std::string, CodedValue> job_cadres;
};

/// Adds the cadre of every concept of a FHIR CodeSystem (e.g. iHRIS's CodeSystem-ihris-job.json)
/// that has a Coding property named `property` ("cadre"). Returns how many were added.
/// Errors: not_found (unreadable), invalid_argument "PATH: …" when it is not a CodeSystem.
Result<size_t> load_job_code_system(const std::filesystem::path& path, McsdRules& rules,
                                    const std::string& property = "cadre");

/// Adds "job_code,cadre_code" lines (a first line starting "job" is a header; blank lines and
/// '#' lines skipped); cadres get the system kIhrisCadreSystem. Returns how many were added.
/// Errors: not_found, invalid_argument "PATH:LINE: …" for a line without two fields.
Result<size_t> load_job_cadre_map(const std::filesystem::path& path, McsdRules& rules);

}  // namespace mhero::registry
