#include "registry/chunk_writer.h"

#include <capnp/message.h>

#include <memory>

#include "registry/record_codec.h"
#include "store/scope.h"

namespace mhero::registry {

namespace {

/// Copies records [from, from + n) of `records` into a freshly initialised list.
template <typename Record, typename InitList>
void fill(const std::vector<Record>& records, size_t from, size_t n, InitList init) {
  auto list = init(static_cast<unsigned>(n));
  for (size_t i = 0; i < n; ++i) to_capnp(records[from + i], list[static_cast<unsigned>(i)]);
}

}  // namespace

Result<std::map<std::string, size_t>> ChunkWriter::commit(LogStore& store, const NodeKey& key) {
  std::vector<std::string> order;
  if (pending_.count(std::string(kNationalScope))) order.emplace_back(kNationalScope);
  for (const auto& [scope, p] : pending_) {
    if (scope != kNationalScope) order.push_back(scope);
  }
  std::map<std::string, size_t> written;
  for (const auto& scope : order) {
    const Pending& p = pending_[scope];
    size_t total = p.size();
    if (total == 0) continue;
    bool first = store.head_seq(FeedId{key.id(), scope}) == 0;
    size_t chunk_count = (total + chunk_records_ - 1) / chunk_records_;
    std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
    std::vector<schema::Payload::Reader> readers;
    // Cursor over the four lists in order: organizations, facilities, code lists, providers.
    size_t o = 0, f = 0, c = 0, pr = 0;
    for (size_t index = 0; index < chunk_count; ++index) {
      auto message = std::make_unique<capnp::MallocMessageBuilder>();
      auto payload = message->initRoot<schema::Payload>();
      auto chunk = first ? payload.initRegistrySnapshot() : payload.initRegistryDelta();
      chunk.setImportId(import_id_);
      chunk.setChunkIndex(static_cast<uint32_t>(index));
      chunk.setChunkCount(static_cast<uint32_t>(chunk_count));
      size_t room = chunk_records_;
      size_t n = std::min(room, p.organizations.size() - o);
      if (n) fill(p.organizations, o, n, [&](unsigned k) { return chunk.initOrganizations(k); });
      o += n, room -= n;
      n = std::min(room, p.facilities.size() - f);
      if (n) fill(p.facilities, f, n, [&](unsigned k) { return chunk.initFacilities(k); });
      f += n, room -= n;
      n = std::min(room, p.code_lists.size() - c);
      if (n) fill(p.code_lists, c, n, [&](unsigned k) { return chunk.initCodeLists(k); });
      c += n, room -= n;
      n = std::min(room, p.providers.size() - pr);
      if (n) fill(p.providers, pr, n, [&](unsigned k) { return chunk.initProviders(k); });
      pr += n;
      readers.push_back(message->getRoot<schema::Payload>().asReader());
      messages.push_back(std::move(message));
    }
    auto entries = store.append_all(key, scope, readers);
    if (!entries.ok()) return entries.status().with_context("writing registry chunks to " + scope);
    written[scope] = entries->size();
  }
  pending_.clear();
  return written;
}

}  // namespace mhero::registry
