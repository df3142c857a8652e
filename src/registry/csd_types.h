// Plain records parsed from CSD documents (IHE CSD 1.0, urn:ihe:iti:csd:2013) and SVS value sets
// (urn:ihe:iti:svs:2008). The wire/disk form is schema/payload.capnp (Provider, Facility,
// Organization, CodeList); record_codec.h converts between the two.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

/// A messaging channel (schema Channel): the RapidPro urn scheme that reaches a contact point.
enum class Channel : uint8_t { sms = 0, whatsapp = 1, telegram = 2 };
inline constexpr Channel kChannels[] = {Channel::sms, Channel::whatsapp, Channel::telegram};

/// "sms", "whatsapp", "telegram".
std::string_view channel_name(Channel c);
/// The channel named so (as channel_name), nullopt for any other text.
std::optional<Channel> parse_channel(std::string_view name);
/// The channel of a RapidPro urn ("tel:…" sms, "whatsapp:…", "telegram:…"), nullopt for another
/// scheme (RapidPro has more: facebook, twitter, …).
std::optional<Channel> channel_of_urn(std::string_view urn);

/// A contact point (CSD `contactPoint`, FHIR `telecom`) and its normalisation (phone.h): a phone
/// number reached by SMS or WhatsApp, or a Telegram chat id.
struct PhoneNumber {
  std::string raw;   // As written in the document (trimmed).
  std::string e164;  // "+231770123456"; empty when it could not be parsed, and for telegram.
  bool valid = false;   // A valid number for its region; telegram: 1-15 digits.
  bool mobile = false;  // MOBILE or FIXED_LINE_OR_MOBILE (libphonenumber); telegram: false.
  Channel channel = Channel::sms;
  bool operator==(const PhoneNumber&) const = default;

  /// The RapidPro urn that reaches it: "tel:+231770123456" (sms: a valid mobile only),
  /// "whatsapp:231770123456" (a valid number), "telegram:123456789"; "" when it reaches nobody.
  std::string urn() const;
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
  std::vector<PhoneNumber> phones;  // Every channel's contact points, in source order.
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
  /// The preferred channel the source gives (Provider.preferredChannel), nullopt when none.
  std::optional<Channel> preferred_channel{};

  /// Not stored: demographic address lines, used by the address district rule only.
  std::vector<AddressLine> address;

  /// "Forename Surname", else the first commonName, else the entityID.
  std::string display_name() const;
  /// The first valid mobile E.164 number of an sms contact point, or empty.
  std::string mobile_e164() const;
  /// The urns that reach this worker (PhoneNumber::urn, at most one per channel: the first contact
  /// point of each), the preferred channel first, then the channels in `order` (e.g. [rapidpro]
  /// channel_order), then any channel `order` leaves out. Empty when no contact point reaches.
  std::vector<std::string> urns(std::span<const Channel> order = kChannels) const;
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
