#include "bundle/importer.h"

#include <capnp/message.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

#include "bundle/body_reader.h"
#include "bundle/checked_file.h"
#include "bundle/peers.h"
#include "bundle/shelf.h"
#include "node/holding.h"
#include "node/peer_frontier.h"

namespace mhero::bundle {

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::imported: return "imported";
    case Outcome::already_imported: return "already imported";
    case Outcome::relayed: return "kept for relay";
    case Outcome::already_relayed: return "already kept for relay";
    case Outcome::waiting_for_parts: return "waiting for the other parts";
  }
  return "?";
}

namespace {

std::string imported_key(const Header& h) { return "bundle/imported/" + h.id_hex(); }

// Step 1 for one file: integrity and routing, no writes.
Status route(Node& node, const CheckedFile& file, const ImportOptions& options) {
  const Header& h = file.header;
  std::string name = file.path.string();
  if (h.recipient == node.id()) {
    auto sender = resolve_peer(node, h.sender);
    if (!sender.ok()) {
      return permission_denied(name + ": unknown sender " + h.sender.hex() + " (" +
                               sender.status().message() + "); nothing was imported");
    }
    return {};
  }
  if (!options.relay) {
    return failed_precondition(name + ": addressed to node " + h.recipient.hex() + ", not to this node (" +
                               node.id().hex() + "); strict import refuses to relay it");
  }
  auto recipient = resolve_peer(node, h.recipient);
  if (!recipient.ok()) {
    return not_found(name + ": addressed to node " + h.recipient.hex() +
                     ", which is not this node and not a node this node knows (" +
                     recipient.status().message() + "), so it can be neither imported nor relayed");
  }
  return {};
}

// Feeds the decoded entries to ingest in segments.
class SegmentCommitter {
 public:
  SegmentCommitter(Node& node, const ImportOptions& options, ImportProgress& progress)
      : node_(node), options_(options), progress_(progress) {}

  Status add(Entry&& e, const std::string& name, uint64_t body_read) {
    if (!may_hold(node_.config().role, node_.config().district, e.feed())) {
      return permission_denied(name + ": entry " + e.feed().to_string() + " seq " + std::to_string(e.seq()) +
                               " belongs to a feed this node may not hold");
    }
    segment_bytes_ += e.encoded_size();
    segment_.push_back(std::move(e));
    ++progress_.entries;
    progress_.body_bytes = body_base_ + body_read;
    if (segment_.size() >= options_.segment_entries || segment_bytes_ >= options_.segment_bytes) {
      return flush(name);
    }
    if (options_.progress && progress_.entries % 1024 == 0) options_.progress(progress_);
    return {};
  }

  Status flush(const std::string& name) {
    if (segment_.empty()) return {};
    IngestResult r = options_.ingest ? options_.ingest(segment_) : node_.store().ingest(segment_);
    if (!r.ok()) {
      return r.status.with_context(
          name + ": segment of " + std::to_string(segment_.size()) + " entries refused (" +
          ingest_fault_name(r.fault) + "; this segment was not written, " + std::to_string(added_) +
          " entries of earlier segments were)");
    }
    added_ += r.added;
    duplicates_ += r.duplicates;
    segment_.clear();
    segment_bytes_ = 0;
    if (options_.progress) options_.progress(progress_);
    return {};
  }

  void next_part(uint64_t body_bytes) { body_base_ += body_bytes; }
  uint64_t added() const { return added_; }
  uint64_t duplicates() const { return duplicates_; }

 private:
  Node& node_;
  const ImportOptions& options_;
  ImportProgress& progress_;
  std::vector<Entry> segment_;
  uint64_t segment_bytes_ = 0;
  uint64_t body_base_ = 0;
  uint64_t added_ = 0;
  uint64_t duplicates_ = 0;
};

Status apply_part(Node& node, const CheckedFile& part, SegmentCommitter& committer) {
  std::string name = part.path.string();
  std::ifstream in(part.path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(part.body_offset));
  if (!in) return not_found(name + ": cannot reopen the bundle file");
  uint64_t count = 0;
  MHERO_RETURN_IF_ERROR(read_body(in, part.header.body_bytes, node.key(), name,
                                  [&](Entry&& e, uint64_t body_read) -> Status {
                                    ++count;
                                    return committer.add(std::move(e), name, body_read);
                                  }));
  MHERO_RETURN_IF_ERROR(committer.flush(name));
  committer.next_part(part.header.body_bytes);
  if (count != part.header.entry_count) {
    return corruption(name + ": the body holds " + std::to_string(count) + " entries, the header says " +
                      std::to_string(part.header.entry_count));
  }
  return {};
}

Status write_receipt(Node& node, const Header& h, uint64_t added, uint64_t duplicates) {
  LogStore& store = node.store();
  capnp::MallocMessageBuilder message;
  auto receipt = message.initRoot<schema::Payload>().initReceipt();
  receipt.setBundleId(capnp::Data::Reader(h.bundle_id.data(), h.bundle_id.size()));
  receipt.setSender(capnp::Data::Reader(h.sender.bytes.data(), h.sender.bytes.size()));
  store.frontier().to_capnp(receipt.initFrontier());
  nlohmann::json record = {{"sender", h.sender.hex()},
                           {"imported_at_ms", node.clock().now().count()},
                           {"parts", h.part_count},
                           {"added", added},
                           {"duplicates", duplicates}};
  auto entry = store.append(node.key(), node.own_scope(), message.getRoot<schema::Payload>().asReader(),
                            {{imported_key(h), record.dump()}});
  if (!entry.ok()) return entry.status().with_context("writing the receipt");
  return raise_known_frontier(store, h.sender, h.covers);
}

}  // namespace

Result<std::vector<FileReport>> import_bundles(Node& node, std::span<const std::filesystem::path> paths,
                                               const ImportOptions& options) {
  // Step 1: check and route every file before writing anything.
  std::vector<CheckedFile> files;
  for (const auto& path : paths) {
    MHERO_ASSIGN_OR_RETURN(CheckedFile file, check_file(path));
    MHERO_RETURN_IF_ERROR(route(node, file, options));
    files.push_back(std::move(file));
  }

  std::vector<FileReport> reports(files.size());
  Shelf relay(node.paths().dir / "relay");
  Shelf parts_shelf(node.paths().dir / "bundle-parts");
  std::map<std::string, std::vector<size_t>> mine;  // bundle id hex -> indexes into files.
  for (size_t i = 0; i < files.size(); ++i) {
    reports[i].path = files[i].path;
    reports[i].header = files[i].header;
    const Header& h = files[i].header;
    if (h.recipient != node.id()) {
      MHERO_ASSIGN_OR_RETURN(bool kept, relay.keep(files[i].path, h));
      reports[i].outcome = kept ? Outcome::relayed : Outcome::already_relayed;
      continue;
    }
    mine[h.id_hex()].push_back(i);
  }

  for (auto& [id_hex, indexes] : mine) {
    const Header& first = files[indexes.front()].header;
    MHERO_ASSIGN_OR_RETURN(auto done, node.store().get_meta(imported_key(first)));
    if (done) {
      for (size_t i : indexes) reports[i].outcome = Outcome::already_imported;
      continue;
    }
    // Gather every part: given now, or shelved earlier.
    std::map<uint32_t, CheckedFile> parts;
    for (size_t i : indexes) parts.emplace(files[i].header.part_index, files[i]);
    if (first.part_count > 1) {
      for (const ShelvedFile& s : parts_shelf.list()) {
        if (s.header.id_hex() != id_hex || s.header.recipient != node.id() || parts.count(s.header.part_index)) {
          continue;
        }
        MHERO_ASSIGN_OR_RETURN(CheckedFile shelved, check_file(s.path));
        parts.emplace(shelved.header.part_index, std::move(shelved));
      }
    }
    bool complete = parts.size() == first.part_count && parts.rbegin()->first == first.part_count;
    if (!complete) {
      for (size_t i : indexes) {
        MHERO_RETURN_IF_ERROR(parts_shelf.keep(files[i].path, files[i].header).status());
        reports[i].outcome = Outcome::waiting_for_parts;
      }
      continue;
    }
    ImportProgress progress;
    for (const auto& [k, part] : parts) {
      progress.total_entries += part.header.entry_count;
      progress.total_body_bytes += part.header.body_bytes;
    }
    SegmentCommitter committer(node, options, progress);
    for (const auto& [k, part] : parts) MHERO_RETURN_IF_ERROR(apply_part(node, part, committer));
    MHERO_RETURN_IF_ERROR(write_receipt(node, first, committer.added(), committer.duplicates()));
    for (const ShelvedFile& s : parts_shelf.list()) {
      if (s.header.id_hex() == id_hex) parts_shelf.drop(s.path);
    }
    reports[indexes.front()].counted = true;
    reports[indexes.front()].added = committer.added();
    reports[indexes.front()].duplicates = committer.duplicates();
    for (size_t i : indexes) reports[i].outcome = Outcome::imported;
  }
  return reports;
}

}  // namespace mhero::bundle
