// Groups registry records by feed scope and writes them as RegistryChunk entries
// (schema/payload.capnp), at most `chunk_records` records per entry, one atomic commit per
// feed: national first, then districts in code order.
#pragma once

#include <capnp/message.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "identity/node_key.h"
#include "registry/csd_types.h"
#include "store/log_store.h"

namespace mhero::registry {

class ChunkWriter {
 public:
  ChunkWriter(std::string import_id, size_t chunk_records)
      : import_id_(std::move(import_id)), chunk_records_(chunk_records < 1 ? 1 : chunk_records) {}

  void add(const std::string& scope, ProviderRecord r) { pending_[scope].providers.push_back(std::move(r)); }
  void add(const std::string& scope, const FacilityRecord& r) { pending_[scope].facilities.push_back(r); }
  void add(const std::string& scope, const OrganizationRecord& r) {
    pending_[scope].organizations.push_back(r);
  }
  void add(const std::string& scope, const CodeList& r) { pending_[scope].code_lists.push_back(r); }

  /// Appends everything queued. A feed's first registry write is a registrySnapshot, later ones
  /// registryDelta. Returns entries written per scope. Errors: from LogStore::append_created or
  /// append_all (the feeds already written stay written).
  Result<std::map<std::string, size_t>> commit(LogStore& store, const NodeKey& key);

 private:
  /// One feed's chunk entries, created but not written.
  struct Signed {
    std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;  // Own `payloads`.
    std::vector<schema::Payload::Reader> payloads;
    Result<std::vector<Entry>> entries = std::vector<Entry>{};
  };
  /// Builds the chunks queued for `scope` and signs them after the feed's head (create_chain).
  /// Reads pending_ only, so it may run beside a commit of another feed.
  Signed sign(const LogStore& store, const NodeKey& key, const std::string& scope) const;

  struct Pending {
    std::vector<ProviderRecord> providers;
    std::vector<FacilityRecord> facilities;
    std::vector<OrganizationRecord> organizations;
    std::vector<CodeList> code_lists;
    size_t size() const { return providers.size() + facilities.size() + organizations.size() + code_lists.size(); }
  };
  std::string import_id_;
  size_t chunk_records_;
  std::map<std::string, Pending> pending_;
};

}  // namespace mhero::registry
