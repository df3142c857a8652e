#include "registry/registry_keys.h"

#include "registry/csd_types.h"
#include "registry/record_codec.h"
#include "store/scope.h"

namespace mhero::registry {

std::string record_prefix(RecordKind kind) {
  return std::string(kRegistryView) + "/" + static_cast<char>(kind) + "/";
}

std::string record_key(RecordKind kind, std::string_view id) { return record_prefix(kind) + std::string(id); }

std::string EntryRef::to_string() const {
  return feed.author.hex() + "/" + feed.scope + "/" + std::to_string(seq);
}

Result<EntryRef> parse_entry_ref(std::string_view text) {
  auto bad = [&] {
    return invalid_argument("entry '" + std::string(text) +
                            "' is not <author hex>/<scope>/<seq> (as `mhero registry show` prints it)");
  };
  size_t first = text.find('/'), last = text.rfind('/');
  if (first == std::string_view::npos || last <= first) return bad();
  auto author = NodeId::from_hex(text.substr(0, first));
  std::string scope(text.substr(first + 1, last - first - 1));
  std::string_view seq_text = text.substr(last + 1);
  if (!author || !valid_scope(scope) || seq_text.empty() || seq_text.size() > 19) return bad();
  uint64_t seq = 0;
  for (char c : seq_text) {
    if (c < '0' || c > '9') return bad();
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  if (seq == 0) return bad();
  return EntryRef{FeedId{*author, std::move(scope)}, seq};
}

std::string writer_key(RecordKind kind, std::string_view id) {
  return std::string(kRegistryView) + "/w/" + static_cast<char>(kind) + "/" + std::string(id);
}

std::string encode_writer(const EntryRef& ref) { return ref.to_string(); }

std::string index_prefix(std::string_view index, std::string_view value) {
  std::string k = std::string(kRegistryView) + "/i/";
  k += index;
  k += '/';
  k += value;
  k += '\0';
  return k;
}

std::string index_key(std::string_view index, std::string_view value, std::string_view entity_id) {
  return index_prefix(index, value) + std::string(entity_id);
}

template <typename Record>
std::string encode_stored(const StoredRecord<Record>& s) {
  std::string out;
  for (int i = 7; i >= 0; --i) out += static_cast<char>((s.hlc >> (8 * i)) & 0xff);
  out += static_cast<char>((s.scope.size() >> 8) & 0xff);
  out += static_cast<char>(s.scope.size() & 0xff);
  out += s.scope;
  out += encode_record(s.record);
  return out;
}

template <typename Record>
Result<StoredRecord<Record>> decode_stored(std::string_view bytes) {
  if (bytes.size() < 10) return corruption("registry view value too short");
  StoredRecord<Record> s;
  for (int i = 0; i < 8; ++i) s.hlc = (s.hlc << 8) | static_cast<uint8_t>(bytes[static_cast<size_t>(i)]);
  size_t len = (static_cast<size_t>(static_cast<uint8_t>(bytes[8])) << 8) | static_cast<uint8_t>(bytes[9]);
  if (bytes.size() < 10 + len) return corruption("registry view value truncated");
  s.scope = std::string(bytes.substr(10, len));
  MHERO_ASSIGN_OR_RETURN(s.record, decode_record<Record>(bytes.substr(10 + len)));
  return s;
}

template std::string encode_stored(const StoredRecord<ProviderRecord>&);
template std::string encode_stored(const StoredRecord<FacilityRecord>&);
template std::string encode_stored(const StoredRecord<OrganizationRecord>&);
template std::string encode_stored(const StoredRecord<CodeList>&);
template Result<StoredRecord<ProviderRecord>> decode_stored(std::string_view);
template Result<StoredRecord<FacilityRecord>> decode_stored(std::string_view);
template Result<StoredRecord<OrganizationRecord>> decode_stored(std::string_view);
template Result<StoredRecord<CodeList>> decode_stored(std::string_view);

}  // namespace mhero::registry
