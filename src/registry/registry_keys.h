// Key layout of the registry view (prefix "registry/", views column family; schema/README.md
// "Registry view"):
//   registry/p/<entityID>  provider   -> StoredRecord (header + Cap'n Proto Provider)
//   registry/f/<entityID>  facility   -> StoredRecord (Facility)
//   registry/o/<entityID>  organization -> StoredRecord (Organization)
//   registry/c/<oid>       code list  -> StoredRecord (CodeList)
//   registry/i/<index>/<value>\0<entityID> -> "" for index in cadre, district, facility, skill,
//   phone (E.164); unassigned providers have district value "".
//   registry/w/<kind>/<entityID> -> "<author hex>/<scope>/<seq>" of the entry that wrote it.
// Removed records stay as tombstones (removed = true) and have no index keys.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "store/feed.h"
#include "util/status.h"

namespace mhero::registry {

inline constexpr std::string_view kRegistryView = "registry";

enum class RecordKind : char { provider = 'p', facility = 'f', organization = 'o', code_list = 'c' };

std::string record_key(RecordKind kind, std::string_view id);
/// Prefix of all records of one kind.
std::string record_prefix(RecordKind kind);
std::string index_key(std::string_view index, std::string_view value, std::string_view entity_id);
/// Prefix of every key of index `index` with `value` ("registry/i/cadre/NURSE\0").
std::string index_prefix(std::string_view index, std::string_view value);

/// The entry that wrote a record: (feed, seq). The base version of a correction.
struct EntryRef {
  FeedId feed;
  uint64_t seq = 0;
  /// "<author hex>/<scope>/<seq>" (parse_entry_ref reads it back).
  std::string to_string() const;
  bool operator==(const EntryRef&) const = default;
};
/// Parses EntryRef::to_string. Errors: invalid_argument naming `text`.
Result<EntryRef> parse_entry_ref(std::string_view text);

/// registry/w/<kind>/<id>: the entry that last wrote the record (view version 2), kept beside
/// the record so a correction can name its base and provenance its carrier.
std::string writer_key(RecordKind kind, std::string_view id);
/// Value of writer_key: EntryRef::to_string.
std::string encode_writer(const EntryRef& ref);

/// A record with the version it was written at: LWW by the entry's HLC time.
template <typename Record>
struct StoredRecord {
  uint64_t hlc = 0;    // HLC time of the entry that wrote it.
  std::string scope;   // Scope of that entry ("national" or "district/<code>").
  Record record;
};

/// Header: hlc (8 bytes big-endian), scope length (2 bytes big-endian), scope, then the record.
template <typename Record>
std::string encode_stored(const StoredRecord<Record>& stored);
/// Errors: corruption.
template <typename Record>
Result<StoredRecord<Record>> decode_stored(std::string_view bytes);

/// encode_stored of a record given as a Cap'n Proto reader (copied as is, unknown fields kept).
template <typename Reader>
std::string encode_stored_message(uint64_t hlc, std::string_view scope, Reader reader) {
  std::string out;
  for (int i = 7; i >= 0; --i) out += static_cast<char>((hlc >> (8 * i)) & 0xff);
  out += static_cast<char>((scope.size() >> 8) & 0xff);
  out += static_cast<char>(scope.size() & 0xff);
  out += scope;
  capnp::MallocMessageBuilder message(reader.totalSize().wordCount + 8);
  message.setRoot(reader);
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  out.append(reinterpret_cast<const char*>(words.begin()), words.size() * sizeof(capnp::word));
  return out;
}

}  // namespace mhero::registry
