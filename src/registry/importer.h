// Writes parsed CSD records into the central node's feeds (DESIGN.md "Who holds what"): each
// district's providers into (central, district/<code>); unassigned providers, facilities,
// organizations and code lists into (central, national). Records are compared with the registry
// view: unchanged records write nothing, new or changed ones go out as registryDelta chunks
// (registrySnapshot for a feed's first registry write), hundreds of records per entry.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "identity/node_key.h"
#include "registry/csd_types.h"
#include "registry/district.h"
#include "registry/phone.h"
#include "store/log_store.h"

namespace mhero::registry {

struct ImportOptions {
  /// Records absent from the import are marked removed, per kind present in the import (a
  /// providers-only file never removes facilities), among those of the same kind of source
  /// (a CSD file never removes records an mCSD server gave).
  bool full = false;
  DistrictRules rules;
  /// Records per entry (config [registry] chunk_records_count); >= 1.
  size_t chunk_records = 500;
  /// Groups the chunks of this run (RegistryChunk.importId).
  std::string import_id;
  /// When the run started (Unix ms): the pull time in records' origin (Provider.origin).
  std::chrono::milliseconds started{0};
  /// The moved-share guard (config [registry] max_moved_percent): an import that would move more
  /// than this percentage of the live providers held in a district to another district or to
  /// unassigned writes nothing and fails (failed_precondition, with examples). 100 = no guard.
  int max_moved_percent = 100;
  /// The removed-share guard (config [registry] max_removed_percent): a `full` import that would
  /// mark more than this percentage of the live providers held removed (a partial export given as
  /// the whole registry) writes nothing and fails (failed_precondition, with examples). 100 = no
  /// guard.
  int max_removed_percent = 100;
  /// Proceed even when a guard would stop the import (`--force`).
  bool force = false;
};

/// A provider held in a district that an import puts elsewhere; `to` empty = unassigned.
struct DistrictMove {
  std::string entity_id, from, to;
};

struct ImportReport {
  size_t providers = 0, facilities = 0, organizations = 0, code_lists = 0, services = 0;
  size_t with_valid_mobile = 0, unassigned = 0, inactive = 0;
  std::vector<std::string> unassigned_ids;
  std::vector<RecordWarning> warnings;
  size_t added = 0, changed = 0, removed = 0, unchanged = 0;  // All record kinds.
  size_t moved = 0;                                          // Providers that changed district.
  /// Providers that left the district they were held in (to another, or to unassigned), in
  /// import order; what the guard counts.
  std::vector<DistrictMove> district_moves;
  /// Providers whose accepted correction was kept over the source's value ("source still
  /// differs"; overlay.h), and overlays retired because the source now agrees (or moved on).
  std::vector<std::string> source_differs_ids;
  size_t overlays_retired = 0;
  std::map<std::string, size_t> entries_by_scope;            // Entries written per scope.
  size_t entries_written() const;
};

/// Resolves districts, diffs against the view of `store`, and appends the changes, one atomic
/// batch per feed (national first). If it fails part-way, re-running converges: the diff is
/// against what was committed. `key` must be the central node's key. Errors: failed_precondition
/// from the moved-share guard (ImportOptions::max_moved_percent; nothing written, the message
/// lists up to five moves "entityID FROM -> TO" and names --force), from the removed-share guard
/// (ImportOptions::max_removed_percent; likewise, up to five entityIDs), or from the store.
Result<ImportReport> import_records(LogStore& store, const NodeKey& key, CsdDocument doc,
                                   const ImportOptions& options);

/// Parses every file first (parse_csd_file), then imports them together. A malformed file
/// (error naming file:line:column) means nothing is written.
Result<ImportReport> import_csd_files(LogStore& store, const NodeKey& key,
                                      const std::vector<std::filesystem::path>& files,
                                      const PhoneNormalizer& phones, const ImportOptions& options);

}  // namespace mhero::registry
