#include "registry/registry_view.h"

#include <map>

#include "registry/record_codec.h"
#include "registry/registry_keys.h"
#include "store/entry.h"

namespace mhero::registry {

namespace {

void for_each_index(const ProviderRecord& p, const std::function<void(std::string_view, std::string_view)>& fn) {
  for (const auto& c : p.cadres) fn("cadre", c.code);
  fn("district", p.district);
  for (const auto& f : p.facility_ids) fn("facility", f);
  for (const auto& s : p.skills) fn("skill", s.code);
  for (const auto& ph : p.phones) {
    if (!ph.e164.empty()) fn("phone", ph.e164);
  }
}

void put_indexes(const ProviderRecord& p, ViewBatch& batch) {
  for_each_index(p, [&](std::string_view index, std::string_view value) {
    batch.put(index_key(index, value, p.entity_id), "");
  });
}

void erase_indexes(const ProviderRecord& p, ViewBatch& batch) {
  for_each_index(p, [&](std::string_view index, std::string_view value) {
    batch.erase(index_key(index, value, p.entity_id));
  });
}

template <typename Reader>
Status fold(RecordKind kind, Reader reader, const Entry& entry, ViewBatch& batch) {
  auto record = from_capnp(reader);
  using Record = decltype(record);
  std::string key = record_key(kind, record.entity_id);
  MHERO_ASSIGN_OR_RETURN(auto held_bytes, batch.get(key));
  std::optional<StoredRecord<Record>> held;
  if (held_bytes) {
    auto decoded = decode_stored<Record>(*held_bytes);
    if (!decoded.ok()) return decoded.status().with_context("registry view key " + key);
    held = std::move(decoded).value();
  }
  if (held && held->hlc > entry.hlc_time()) return {};  // A newer write is already here.
  if (record.removed && held && held->scope != entry.feed().scope) return {};  // Moved away.
  if constexpr (std::is_same_v<Record, ProviderRecord>) {
    if (held && !held->record.removed) erase_indexes(held->record, batch);
    if (!record.removed) put_indexes(record, batch);
  }
  batch.put(key, encode_stored_message(entry.hlc_time(), entry.feed().scope, reader));
  batch.put(writer_key(kind, record.entity_id), encode_writer(EntryRef{entry.feed(), entry.seq()}));
  return {};
}

}  // namespace

std::string_view RegistryView::name() const { return kRegistryView; }

Status RegistryView::apply(const Entry& entry, ViewBatch& target) {
  schema::RegistryChunk::Reader chunk;
  switch (entry.kind()) {
    case schema::Payload::REGISTRY_SNAPSHOT:
      chunk = entry.payload().getRegistrySnapshot();
      break;
    case schema::Payload::REGISTRY_DELTA:
      chunk = entry.payload().getRegistryDelta();
      break;
    default:
      return {};
  }
  ViewBatch& batch = target;  // (The store issues a commit's view writes in key order.)
  for (auto o : chunk.getOrganizations()) {
    MHERO_RETURN_IF_ERROR(fold(RecordKind::organization, o, entry, batch));
  }
  for (auto f : chunk.getFacilities()) {
    MHERO_RETURN_IF_ERROR(fold(RecordKind::facility, f, entry, batch));
  }
  for (auto p : chunk.getProviders()) {
    MHERO_RETURN_IF_ERROR(fold(RecordKind::provider, p, entry, batch));
  }
  for (auto c : chunk.getCodeLists()) {
    CodeList list = from_capnp(c);
    StoredRecord<CodeList> stored{entry.hlc_time(), entry.feed().scope, list};
    batch.put(record_key(RecordKind::code_list, list.oid), encode_stored(stored));
  }
  return {};
}

}  // namespace mhero::registry
