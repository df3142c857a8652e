#include "registry/chunk_writer.h"

#include <capnp/message.h>

#include <future>
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

ChunkWriter::Signed ChunkWriter::sign(const LogStore& store, const NodeKey& key, const std::string& scope) const {
  const Pending& p = pending_.at(scope);
  size_t total = p.size();
  bool first = store.head_seq(FeedId{key.id(), scope}) == 0;
  size_t chunk_count = (total + chunk_records_ - 1) / chunk_records_;
  Signed out;
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
    out.payloads.push_back(message->getRoot<schema::Payload>().asReader());
    out.messages.push_back(std::move(message));
  }
  out.entries = store.create_chain(key, scope, out.payloads);
  return out;
}

Result<std::map<std::string, size_t>> ChunkWriter::commit(LogStore& store, const NodeKey& key) {
  std::vector<std::string> order;
  if (pending_.count(std::string(kNationalScope))) order.emplace_back(kNationalScope);
  for (const auto& [scope, p] : pending_) {
    if (scope != kNationalScope) order.push_back(scope);
  }
  std::erase_if(order, [&](const std::string& scope) { return pending_.at(scope).size() == 0; });
  // One feed signed ahead: while a feed's entries commit on this thread (the view fold and the
  // write), the next feed's chunks are built and signed on another, so both cores work. Each
  // feed's entries are still created after the previous feed's, so their HLC times keep the order
  // of the commits.
  std::map<std::string, size_t> written;
  std::future<Signed> next;
  if (!order.empty()) next = std::async(std::launch::async, [&] { return sign(store, key, order[0]); });
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string& scope = order[i];
    Signed current = next.get();
    if (i + 1 < order.size()) {
      next = std::async(std::launch::async, [&, i] { return sign(store, key, order[i + 1]); });
    }
    Status appended = current.entries.ok() ? store.append_created(*current.entries) : current.entries.status();
    if (appended.code() == StatusCode::aborted) {
      // Another writer appended to this feed since it was signed: sign and write under the
      // store's lock instead.
      appended = store.append_all(key, scope, current.payloads).status();
    }
    // (An early return waits for the feed being signed ahead: the future joins its thread.)
    if (!appended.ok()) return appended.with_context("writing registry chunks to " + scope);
    written[scope] = current.payloads.size();
  }
  pending_.clear();
  return written;
}

}  // namespace mhero::registry
