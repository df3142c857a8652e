// Plain records parsed from CSD documents (IHE CSD 1.0, urn:ihe:iti:csd:2013) and SVS value sets
// (urn:ihe:iti:svs:2008). The wire/disk form is schema/payload.capnp (Provider, Facility,
// Organization, CodeList); record_codec.h converts between the two.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mhero::registry {

/// CSD `codedType`: provider type (cadre), specialty, credential, facility type.
struct CodedValue {
  std::string code;
  std::string coding_scheme;
  std::string label;
  bool operator==(const CodedValue&) const = default;
};

/// A `contactPoint/codedType[@code="BP"]` number and its E.164 normalisation (phone.h).
struct PhoneNumber {
  std::string raw;   // As written in the document (trimmed).
  std::string e164;  // "+231770123456"; empty when it could not be parsed.
  bool valid = false;
  bool mobile = false;
  bool operator==(const PhoneNumber&) const = default;
};

enum class RecordStatus : uint8_t { unknown = 0, active = 1, inactive = 2 };

/// An addressLine of a CSD address: component attribute (as written) and text.
using AddressLine = std::pair<std::string, std::string>;

struct ProviderRecord {
  std::string entity_id;
  std::vector<std::string> common_names;
  std::string forename, surname;
  std::vector<CodedValue> cadres;  // provider/codedType.
  std::vector<CodedValue> skills;  // specialty, then credential/codedType.
  std::vector<std::string> facility_ids;
  std::vector<std::string> organization_ids;
  std::string district;  // Resolved district code; empty = unassigned.
  std::vector<PhoneNumber> phones;
  RecordStatus status = RecordStatus::unknown;
  std::string updated;  // record/@updated exactly as written.
  bool removed = false;
  std::string source;   // "csd:<document>" or "mcsd:<FHIR base URL>" (Provider.source).
  /// Id of the accepted correction whose values this record carries over the source's ("" =
  /// none; Provider.correction), and whether the source still differs (the overlay is active).
  std::string correction;
  bool source_differs = false;
  /// How this version reached the registry (Provider.origin): file + SHA-256, pull + time, or the
  /// accepted correction. Not part of same_record.
  std::string origin;

  /// Not stored: demographic address lines, used by the address district rule only.
  std::vector<AddressLine> address;

  /// "Forename Surname", else the first commonName, else the entityID.
  std::string display_name() const;
  /// The first valid mobile E.164 number, or empty.
  std::string mobile_e164() const;
  /// Equality of the stored fields (ignores `address`).
  bool same_record(const ProviderRecord& other) const;
};

struct FacilityRecord {
  std::string entity_id;
  std::string name;  // primaryName.
  std::vector<std::string> organization_ids;
  std::string district;
  std::string updated;
  bool removed = false;
  std::vector<CodedValue> facility_types;
  std::string source;  // As ProviderRecord::source.
  std::string origin;  // As ProviderRecord::origin (not part of same_record).
  /// Not stored: otherID (assigningAuthorityName, code) pairs and address lines, used for
  /// district scoping at import time.
  std::vector<std::pair<std::string, std::string>> other_ids;
  std::vector<AddressLine> address;
  bool same_record(const FacilityRecord& other) const;
};

struct OrganizationRecord {
  std::string entity_id;
  std::string name;
  std::string parent_id;
  std::string district;
  std::string updated;
  bool removed = false;
  std::string source;  // As ProviderRecord::source.
  std::vector<std::pair<std::string, std::string>> other_ids;  // Not stored (see Facility).
  std::vector<AddressLine> address;                             // Not stored.
  bool same_record(const OrganizationRecord& other) const;
};

/// An SVS value set (e.g. 1.3.6.1.4.1.21367.200.105 provider types).
struct CodeList {
  std::string oid;
  std::string name;
  std::vector<CodedValue> codes;
  bool operator==(const CodeList&) const = default;
};

/// A problem with one record that did not stop the import.
struct RecordWarning {
  std::string entity_id;  // May be empty when the record had no id.
  std::string reason;     // "invalid record/@updated '0000-00-00T00:00:00'".
  std::string where;      // "file.xml:120".
};

/// Everything parsed from one or more documents.
struct CsdDocument {
  std::vector<ProviderRecord> providers;
  std::vector<FacilityRecord> facilities;
  std::vector<OrganizationRecord> organizations;
  std::vector<CodeList> code_lists;
  size_t services = 0;  // CSD services seen (not stored).
  std::vector<RecordWarning> warnings;
  /// Entity ids the source says are gone (mCSD DELETE history entries, `active = false`): the
  /// importer writes a removal for each one it holds live, in the feed that holds it.
  std::vector<std::string> removed_providers, removed_facilities, removed_organizations;
};

}  // namespace mhero::registry
