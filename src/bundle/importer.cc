#include "bundle/importer.h"

#include <capnp/message.h>
#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <optional>

#include "bundle/body_reader.h"
#include "bundle/checked_file.h"
#include "bundle/peers.h"
#include "bundle/shelf.h"
#include "node/enrollment.h"
#include "node/holding.h"
#include "node/key_rotation.h"
#include "node/peer_frontier.h"
#include "replication/session.h"
#include "store/scope.h"
#include "util/clock.h"

namespace mhero::bundle {

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::imported: return "imported";
    case Outcome::already_imported: return "already imported (a replay of an earlier import)";
    case Outcome::relayed: return "kept for relay";
    case Outcome::already_relayed: return "already kept for relay";
    case Outcome::relayed_to_central: return "kept for relay to the central node";
    case Outcome::waiting_for_parts: return "waiting for the other parts";
    case Outcome::set_aside: return "SET ASIDE (not imported)";
  }
  return "?";
}

namespace {

std::string imported_key(const Header& h) { return "bundle/imported/" + h.id_hex(); }

// How messages name `id`: "the central node <hex>", "district node BONG <hex>" or "node <hex>".
std::string describe_node(Node& node, const NodeId& id) {
  auto peer = resolve_peer(node, id);
  if (!peer.ok()) return "node " + id.hex();
  if (peer->role == Role::central) return "the central node " + id.hex();
  return "district node " + peer->district + " " + id.hex();
}

enum class Route {
  mine,              // Addressed to this node: apply.
  relay,             // Addressed to a node this node knows: keep for it.
  relay_to_central,  // Addressed to a node this district does not know: keep for the central node.
};

// Why a file cannot be placed now (it may become placeable once another file given in the same
// call is applied): the fault and what the user can do about it.
struct Unplaceable {
  StatusCode code = StatusCode::permission_denied;
  std::string fault;  // "<file>: unknown sender <hex> (...)".
  std::string advice;  // What the user should do, a full sentence.
};

struct Routed {
  Route route = Route::mine;
  std::optional<Unplaceable> not_now;  // Set: cannot be placed now.
};

// Step 1 for one file: routing, no writes. Errors: the whole call is refused (strict import of a
// bundle for another node, damaged views).
Result<Routed> route(Node& node, const CheckedFile& file, const ImportOptions& options) {
  const Header& h = file.header;
  std::string name = file.path.string();
  if (h.sender == node.id() || (node.key_for(h.sender) && node.key_for(h.sender) != &node.key())) {
    // Among other files (a stick that carries bundles for several nodes past the one that wrote
    // one of them) it is set aside; alone, the call is refused.
    return Routed{Route::mine,
                  Unplaceable{StatusCode::failed_precondition,
                              name + ": this node wrote this bundle (its sender " + h.sender.hex() +
                                  " is this node); it is addressed to " + describe_node(node, h.recipient),
                              "Importing it here does nothing: carry it to that node and run `mhero bundle "
                              "import` there"}};
  }
  if (node.key_for(h.recipient)) {  // This node's key, or the other key of a rotation (overlap).
    auto sender = resolve_peer(node, h.sender);
    if (!sender.ok() && sender.status().code() == StatusCode::not_found) {
      std::string advice = node.config().role == Role::central
                             ? "If it is a new district server, enroll it (`mhero enroll --district CODE --key " +
                                   h.sender.hex() + "`) and import this file again"
                             : "If it is a district enrolled recently, import the central node's latest bundle "
                               "first (it carries the enrollments), then this file again";
      return Routed{Route::mine, Unplaceable{StatusCode::permission_denied,
                                             name + ": unknown sender " + h.sender.hex() + " (" +
                                                 sender.status().message() + ")",
                                             advice}};
    }
    if (!sender.ok() && sender.status().code() == StatusCode::permission_denied) {
      return Routed{Route::mine,
                    Unplaceable{StatusCode::permission_denied,
                                name + ": revoked sender " + h.sender.hex() + " (" + sender.status().message() + ")",
                                "Its bundles are no longer accepted: leave this file out of the import, and "
                                "ask the central node's operator if the revocation was a mistake"}};
    }
    if (!sender.ok()) return sender.status().with_context(name);
    // The header's time is the sender's clock at export. Far ahead of this node's, one of the two
    // clocks is wrong: importing would carry this node's hybrid logical clock forward by as much,
    // so it is refused as a sync session is ([sync] max_clock_skew_ms). A time in the past is a
    // bundle that travelled, and proves nothing.
    const int64_t now_ms = node.clock().now().count();
    const int64_t bound_ms = int_or(node.config().table, "sync", "max_clock_skew_ms", 600000);
    if (h.created_at_ms > now_ms + bound_ms) {
      return Routed{Route::mine,
                    Unplaceable{StatusCode::failed_precondition,
                                name + ": exported at " + iso_time_ms(h.created_at_ms) + " by its sender's clock (" +
                                    describe_node(node, h.sender) + "), " + sync::human_skew(h.created_at_ms - now_ms) +
                                    " ahead of this node's clock (" + iso_time_ms(now_ms) +
                                    "), more than [sync] max_clock_skew_ms (" + std::to_string(bound_ms) + " ms)",
                                "One of the two clocks is wrong. If this node's is, set it right (`timedatectl "
                                "set-ntp true`, or `date -u -s` with the correct UTC time) and import again; if the "
                                "sender's is, set it right there and export again"}};
    }
    return Routed{Route::mine, std::nullopt};
  }
  if (!options.relay) {
    return failed_precondition(name + ": addressed to node " + h.recipient.hex() + ", not to this node (" +
                               node.id().hex() + "); strict import refuses to relay it");
  }
  auto recipient = resolve_peer(node, h.recipient);
  if (recipient.ok()) return Routed{Route::relay, std::nullopt};
  if (recipient.status().code() == StatusCode::permission_denied) {
    return Routed{Route::relay, Unplaceable{StatusCode::permission_denied,
                                            name + ": addressed to node " + h.recipient.hex() +
                                                ", whose enrollment the central node revoked, so it is not relayed",
                                            "Leave this file out of the import"}};
  }
  if (recipient.status().code() != StatusCode::not_found) return recipient.status().with_context(name);
  // Never heard of the recipient. A district learns enrollments only from the central node, which
  // knows every enrolled node: kept here, the bundle rides along with the next export to it.
  if (node.config().role == Role::district && node.config().central_key) {
    return Routed{Route::relay_to_central, std::nullopt};
  }
  return Routed{Route::relay,
                Unplaceable{StatusCode::not_found,
                            name + ": addressed to node " + h.recipient.hex() +
                                ", which is not this node and was never enrolled at this central node, so it "
                                "can be neither imported nor relayed",
                            "If that node is a new district server, enroll it (`mhero enroll --district CODE "
                            "--key " + h.recipient.hex() + "`) and import this file again; otherwise ask the "
                            "sender (" + h.sender.hex() + ") to export again to the right node id"}};
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
    IngestResult r = options_.ingest ? options_.ingest(segment_) : node_.store().ingest(segment_, arrival_);
    if (!r.ok() && r.status.code() == StatusCode::resource_exhausted) {
      return resource_exhausted(
          name + ": the disk is full (no space left for this node's store in " +
          node_.paths().dir.string() + "): the import stopped after " + std::to_string(added_) +
          " new entries, kept in whole segments; the segment being written (" +
          std::to_string(segment_.size()) + " entries) was not kept and no receipt was written. Free "
          "disk space there and import the same file again: it continues where it stopped (" +
          r.status.message() + ")");
    }
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
  /// How the entries arrived (JSON; LogStore::ingest records it per feed for provenance).
  void set_arrival(std::string arrival) { arrival_ = std::move(arrival); }
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
  std::string arrival_;
};

Status apply_part(Node& node, const CheckedFile& part, SegmentCommitter& committer) {
  std::string name = part.path.string();
  std::ifstream in(part.path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(part.body_offset));
  if (!in) return not_found(name + ": cannot reopen the bundle file");
  uint64_t count = 0;
  const NodeKey* recipient = node.key_for(part.header.recipient);  // Either key of a rotation.
  if (!recipient) return failed_precondition(name + ": addressed to " + part.header.recipient.hex() + ", not this node");
  MHERO_RETURN_IF_ERROR(read_body(in, part.header.body_bytes, *recipient, part.header.format_version, name,
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

// A node under a write hold (restored or copied: store/write_hold.cc) learns its own heads from
// a bundle whose sender holds its feeds: `covers` says how far. Before the entries are applied
// (`applied` false) a bundle that cannot bring them (exported for what the sender believed this
// node held) is refused with what to do; after, the hold ends for the scopes the sender holds
// (the central node: all; a district: national and its own).
Status learn_own_heads(Node& node, const std::string& name, const Header& h, bool applied) {
  LogStore& store = node.store();
  if (!store.write_hold()) return {};
  for (const auto& [feed, seq] : h.covers.feeds()) {
    if (feed.author != node.id() || store.head_seq(feed) >= seq) continue;
    if (applied) return {};  // Still behind (the write hold's refusal of the receipt says what to do).
    if (h.base.get(feed) > store.head_seq(feed)) {
      return failed_precondition(
          name + ": this node holds its own feed " + feed.scope + " up to seq " + std::to_string(store.head_seq(feed)) +
          " (it was restored or copied) and the sender " + h.sender.hex() + " holds it up to seq " + std::to_string(seq) +
          ", but this bundle does not carry the entries between (it was exported for what the sender believed this "
          "node held). Nothing was changed; ask the sender for `mhero bundle export --full --to " + node.id().hex() +
          "` and import that");
    }
  }
  if (!applied) return {};
  MHERO_ASSIGN_OR_RETURN(PeerProfile sender, resolve_peer(node, h.sender));
  std::vector<std::string> scopes = {"*"};
  if (sender.role == Role::district) scopes = {std::string(kNationalScope), district_scope(sender.district)};
  std::string from = "bundle " + h.id_hex() + " from " + role_name(sender.role) +
                     (sender.district.empty() ? "" : " " + sender.district) + " (" + h.sender.hex() + ")";
  MHERO_RETURN_IF_ERROR(store.learned_heads(scopes, from));
  spdlog::info("learned this node's own heads from {}", from);
  if (node.config().role == Role::central) {  // A restored central node learns district by district.
    MHERO_ASSIGN_OR_RETURN(bool ended, end_central_hold_when_learned(store, from));
    if (ended) spdlog::info("write hold ended: every enrolled district and national gave back this node's heads");
  }
  return {};
}

Status write_receipt(Node& node, const std::string& name, const Header& h, uint64_t added,
                     uint64_t duplicates) {
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
  if (!entry.ok() && entry.status().code() == StatusCode::resource_exhausted) {
    return resource_exhausted(name + ": the disk is full (no space left for this node's store in " +
                              node.paths().dir.string() + "): every entry is in (" + std::to_string(added) +
                              " new) but the receipt could not be written. Free disk space there and "
                              "import the same file again to write it (" + entry.status().message() + ")");
  }
  if (!entry.ok()) return entry.status().with_context(name + ": writing the receipt");
  return raise_known_frontier(store, h.sender, h.covers);
}

}  // namespace

namespace {

// The node whose export carried files[i] here, when it is a ".relay-" copy (exporter.h:
// "<stem>.relay-<shelf name>") given beside that export's own part "<stem>.mhb" or
// "<stem>.part<k>of<m>.mhb"; nullopt otherwise.
std::optional<NodeId> relayed_by(const std::vector<CheckedFile>& files, size_t i) {
  std::string name = files[i].path.filename().string();
  size_t at = name.find(".relay-");
  if (at == std::string::npos) return std::nullopt;
  std::string stem = name.substr(0, at) + ".";
  for (size_t j = 0; j < files.size(); ++j) {
    std::string other = files[j].path.filename().string();
    if (j == i || other.find(".relay-") != std::string::npos || other.rfind(stem, 0) != 0) continue;
    if (files[j].header.sender != files[i].header.sender) return files[j].header.sender;
  }
  return std::nullopt;
}

void record_arrival(Node& node, const std::vector<CheckedFile>& files, const std::vector<size_t>& indexes,
                    uint64_t entry_count, uint64_t added, const ImportOptions& options) {
  if (!options.arrivals) return;
  const CheckedFile& first = files[indexes.front()];
  BundleFact fact;
  fact.bundle_id = first.header.id_hex();
  fact.sender = first.header.sender;
  fact.recipient = first.header.recipient;
  fact.exported_ms = first.header.created_at_ms;
  fact.imported_ms = node.clock().now().count();
  fact.entry_count = entry_count;
  fact.entries_new = added;
  fact.parts = first.header.part_count;
  fact.file = first.path.filename().string();
  for (size_t i : indexes) {
    if (!fact.relayed_by) fact.relayed_by = relayed_by(files, i);
  }
  Status recorded = options.arrivals->bundle_imported(fact);
  if (!recorded.ok()) spdlog::warn("cannot record the import of bundle {}: {}", fact.bundle_id, recorded.to_string());
}

// "held 2 of 5 parts; missing: b.part1of5.mhb, b.part4of5.mhb, b.part5of5.mhb (import them, in any
// order)": the names `mhero bundle export` gave the parts, derived from `given` when it has that
// shape, else the part numbers.
template <typename Parts>
std::string missing_parts(const std::filesystem::path& given, uint32_t part_count, const Parts& held) {
  std::string name = given.filename().string();
  std::string stem;
  if (auto at = name.rfind(".part"); at != std::string::npos && name.ends_with(".mhb")) stem = name.substr(0, at);
  std::string missing;
  size_t count = 0;
  for (uint32_t k = 1; k <= part_count; ++k) {
    if (held.count(k)) continue;
    ++count;
    missing += missing.empty() ? "" : ", ";
    missing += stem.empty() ? "part " + std::to_string(k)
                            : stem + ".part" + std::to_string(k) + "of" + std::to_string(part_count) + ".mhb";
  }
  return "held " + std::to_string(held.size()) + " of " + std::to_string(part_count) + " parts; missing: " + missing +
         (count == 1 ? " (import it" : " (import them, in any order") + "; the bundle is applied once all are in)";
}

// Steps 2-4 for the files `pending` (indexes into `files`, each placeable by `routes`).
Status place(Node& node, const std::vector<CheckedFile>& files, const std::vector<size_t>& pending,
             const std::vector<Route>& routes, const ImportOptions& options, std::vector<FileReport>& reports) {
  Shelf relay(node.paths().dir / "relay");
  Shelf parts_shelf(node.paths().dir / "bundle-parts");
  std::map<std::string, std::vector<size_t>> mine;  // bundle id hex -> indexes into files.
  for (size_t i : pending) {
    const Header& h = files[i].header;
    if (routes[i] != Route::mine) {
      MHERO_ASSIGN_OR_RETURN(bool kept, relay.keep(files[i].path, h));
      Outcome newly = routes[i] == Route::relay ? Outcome::relayed : Outcome::relayed_to_central;
      reports[i].outcome = kept ? newly : Outcome::already_relayed;
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
        if (s.header.id_hex() != id_hex || !node.key_for(s.header.recipient) || parts.count(s.header.part_index)) {
          continue;
        }
        MHERO_ASSIGN_OR_RETURN(CheckedFile shelved, check_file(s.path));
        parts.emplace(shelved.header.part_index, std::move(shelved));
      }
    }
    bool complete = parts.size() == first.part_count && parts.rbegin()->first == first.part_count;
    if (!complete) {
      std::string reason = missing_parts(files[indexes.front()].path, first.part_count, parts);
      for (size_t i : indexes) {
        MHERO_RETURN_IF_ERROR(parts_shelf.keep(files[i].path, files[i].header).status());
        reports[i].outcome = Outcome::waiting_for_parts;
        reports[i].reason = reason;
      }
      continue;
    }
    ImportProgress progress;
    for (const auto& [k, part] : parts) {
      progress.total_entries += part.header.entry_count;
      progress.total_body_bytes += part.header.body_bytes;
    }
    SegmentCommitter committer(node, options, progress);
    {
      nlohmann::json how = {{"via", "bundle"}, {"bundle_id", first.id_hex()},
                            {"sender", first.sender.hex()}, {"exported_ms", first.created_at_ms},
                            {"imported_ms", node.clock().now().count()},
                            {"file", files[indexes.front()].path.filename().string()}};
      for (size_t i : indexes) {
        if (auto by = relayed_by(files, i)) how["relayed_by"] = by->hex();
      }
      committer.set_arrival(how.dump());
    }
    MHERO_RETURN_IF_ERROR(learn_own_heads(node, files[indexes.front()].path.string(), first, false));
    for (const auto& [k, part] : parts) MHERO_RETURN_IF_ERROR(apply_part(node, part, committer));
    MHERO_RETURN_IF_ERROR(learn_own_heads(node, files[indexes.front()].path.string(), first, true));
    MHERO_RETURN_IF_ERROR(write_receipt(node, files[indexes.front()].path.string(), first, committer.added(),
                                        committer.duplicates()));
    record_arrival(node, files, indexes, progress.total_entries, committer.added(), options);
    for (const ShelvedFile& s : parts_shelf.list()) {
      if (s.header.id_hex() == id_hex) parts_shelf.drop(s.path);
    }
    reports[indexes.front()].counted = true;
    reports[indexes.front()].added = committer.added();
    reports[indexes.front()].duplicates = committer.duplicates();
    for (size_t i : indexes) reports[i].outcome = Outcome::imported;
  }
  return {};
}

}  // namespace

namespace {

// A file refused before anything was read from it: every such refusal ends with what to do.
Status with_copy_advice(const Status& refused) {
  if (refused.code() != StatusCode::corruption) return refused;
  std::string message = refused.message();
  // Already says what to do (copy again, or pick the right file): one piece of advice, not two.
  if (message.find("Nothing was changed") != std::string::npos ||
      message.find("copy the bundle again") != std::string::npos) {
    return refused;
  }
  return Status(refused.code(), message + ". Nothing was changed; copy the bundle again from the exporting node "
                                          "and import that copy");
}

// No given file could be placed: the call is refused (nothing was changed), naming each file
// and why, in one message ("none of the 2 files could be imported …:\n  a.mhb: …\n  b.mhb: …").
// The code is the first file's.
Status none_placed(const std::vector<FileReport>& unreadable, const std::vector<size_t>& pending,
                   const std::vector<std::optional<Unplaceable>>& why) {
  if (pending.size() == 1 && unreadable.empty()) {
    const Unplaceable& u = *why[pending.front()];
    return Status(u.code, u.fault + "; nothing was imported. " + u.advice);
  }
  std::vector<std::pair<StatusCode, std::string>> each;
  for (size_t i : pending) each.emplace_back(why[i]->code, why[i]->fault + "; " + why[i]->advice);
  for (const FileReport& r : unreadable) {
    each.emplace_back(r.unreadable_code, r.reason.substr(0, r.reason.rfind(" (this file was set aside")));
  }
  std::string message = "none of the " + std::to_string(each.size()) + " files could be imported; nothing was changed:";
  for (const auto& [code, reason] : each) message += "\n  " + reason;
  return Status(each[0].first, message);
}

Result<std::vector<FileReport>> import_files(Node& node, std::span<const std::filesystem::path> paths,
                                             const ImportOptions& options) {
  // Step 1: check every file, and refuse the call for the faults no other file can mend.
  // A damaged or empty file among several is set aside (the others are imported); alone, it
  // refuses the call. Either way nothing is read from it.
  std::vector<CheckedFile> files;
  std::vector<FileReport> unreadable;  // In the order given, with `given` positions.
  std::vector<size_t> unreadable_at;
  for (size_t g = 0; g < paths.size(); ++g) {
    auto file = check_file(paths[g]);
    if (!file.ok()) {
      Status refused = with_copy_advice(file.status());
      if (paths.size() == 1) return refused;
      FileReport r;
      r.path = paths[g];
      r.outcome = Outcome::set_aside;
      r.unreadable = true;
      r.unreadable_code = refused.code();
      r.reason = refused.message() + " (this file was set aside; the other files were imported)";
      unreadable.push_back(std::move(r));
      unreadable_at.push_back(g);
      continue;
    }
    MHERO_RETURN_IF_ERROR(route(node, *file, options).status());
    files.push_back(std::move(*file));
  }
  if (files.empty()) return none_placed(unreadable, {}, {});
  std::vector<FileReport> reports(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    reports[i].path = files[i].path;
    reports[i].header = files[i].header;
  }
  auto merged = [&](std::vector<FileReport> placed) {  // Back into the order the files were given.
    for (size_t k = 0; k < unreadable.size(); ++k) {
      placed.insert(placed.begin() + static_cast<std::ptrdiff_t>(unreadable_at[k]), std::move(unreadable[k]));
    }
    return placed;
  };

  // Rounds: place what can be placed; what could not may be placeable after that (enrollments).
  std::vector<Route> routes(files.size(), Route::mine);
  std::vector<std::optional<Unplaceable>> why(files.size());
  std::vector<size_t> pending(files.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  bool placed_any = false;
  while (!pending.empty()) {
    std::vector<size_t> now, later;
    for (size_t i : pending) {
      MHERO_ASSIGN_OR_RETURN(Routed r, route(node, files[i], options));
      routes[i] = r.route;
      why[i] = std::move(r.not_now);
      (why[i] ? later : now).push_back(i);
    }
    if (now.empty()) break;
    MHERO_RETURN_IF_ERROR(place(node, files, now, routes, options, reports));
    placed_any = true;
    pending = std::move(later);
  }
  if (pending.empty()) return merged(std::move(reports));
  if (!placed_any) return none_placed(unreadable, pending, why);
  for (size_t i : pending) {
    reports[i].outcome = Outcome::set_aside;
    reports[i].reason = why[i]->fault + "; this file was set aside: nothing from it was imported or kept, the "
                                        "other files were. " + why[i]->advice;
  }
  return merged(std::move(reports));
}

}  // namespace

Result<std::vector<FileReport>> import_bundles(Node& node, std::span<const std::filesystem::path> paths,
                                               const ImportOptions& options) {
  auto reports = import_files(node, paths, options);
  if (!reports.ok() || node.config().role != Role::central) return reports;
  // Key rotation (node/key_rotation.h): enroll announced successors, retire keys whose overlap ended.
  auto followed = follow_rotations(node.store(), node.key(), node.config(), node.clock().now().count());
  if (!followed.ok()) return followed.status().with_context("after the import, following key rotations");
  for (const std::string& line : *followed) spdlog::info("key rotation: {}", line);
  return reports;
}

}  // namespace mhero::bundle
