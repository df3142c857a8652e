// The signed, append-only log of one node (DESIGN.md "Storage"): RocksDB with column families
// for entries, frontier, entry-id index, metadata, quarantine and views (schema/README.md).
//
// Every write (append, ingest) is one RocksDB WriteBatch with sync=true: entries, frontier and
// views move together or not at all. Every entry is verified before it is written.
//
// Thread-safety: all methods may be called from any thread; writes are serialised internally.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "store/entry.h"
#include "store/feed.h"
#include "store/hlc.h"
#include "store/signature_check.h"
#include "store/view.h"
#include "util/clock.h"
#include "util/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace mhero {

/// Why an ingest was refused. Each has its own Status code and message naming feed, seq, reason.
enum class IngestFault {
  none,
  malformed,      // corruption: not a well-formed entry.
  bad_signature,  // corruption: signature does not verify for the author.
  bad_prev,       // corruption: prev is not the id of the entry before it (only an entry whose
                  // signature does not verify; a valid one is a fork, below).
  seq_gap,        // failed_precondition: entries between the held seq and this one are missing.
  not_allowed,    // permission_denied: the author may not write this scope.
  fork,           // corruption: a different valid entry at a held (feed, seq), or a valid entry whose
                  // prev is not the held entry before it; evidence kept, feed now frozen.
  feed_frozen,    // (kept for the name) entries of a frozen feed are skipped, never refused.
};
const char* ingest_fault_name(IngestFault fault);

struct [[nodiscard]] IngestResult {
  Status status;                      // ok, or why the whole batch was refused (nothing written).
  IngestFault fault = IngestFault::none;
  size_t added = 0;                   // New entries written.
  size_t duplicates = 0;              // Identical entries already held (no-ops).
  size_t frozen_skipped = 0;          // Entries of feeds frozen by a fork: not taken, not refused.
  bool ok() const { return status.ok(); }
};

/// Evidence of a fork: two different valid entries at the same (feed, seq).
struct ForkRecord {
  FeedId feed;
  uint64_t seq = 0;
  std::vector<Entry> entries;  // Both (or all) conflicting entries, as received.
  std::string reason;
};

/// One fault found by verify_all(): where it is and what is wrong.
struct VerifyFault {
  std::string location;  // "feed 1a2b3c4d/national seq 7".
  std::string problem;
};

/// A node that may be behind its own feeds (restored from a backup, or its store copied to
/// another machine or directory) must not append before it has learned its own heads from a
/// peer that holds them: it would sign a second, different entry at a seq it already used.
struct WriteHold {
  std::string reason;                          // Why: "restored from backup FILE (made TIME)".
  int64_t since_ms = 0;                        // When the hold began (Unix ms).
  std::map<std::string, std::string> learned;  // Scope ("*": every scope) -> from whom, when.
  /// True when appending to `scope` is allowed.
  bool allows(std::string_view scope) const {
    return learned.count("*") > 0 || learned.count(std::string(scope)) > 0;
  }
};

struct StoreOptions {
  std::vector<View*> views;             // Not owned; must outlive the store.
  const Admission* admission = nullptr; // Not owned; nullptr admits every verified entry.
  bool sync = true;                     // fsync every commit (only benchmarks may turn it off).
  unsigned verify_threads = 1;          // Threads verifying signatures during ingest (>= 1).
  /// Commits of at least this many bytes (keys and values, view writes included: a registry
  /// import's chunks of a feed) are written as SST files ingested atomically, past the WAL and
  /// the memtable (store/bulk_write.cc). Tests lower it to take that path with small commits.
  size_t bulk_write_bytes = size_t{8} << 20;
};

/// Iterates entries in (feed, seq) order without loading them all; see LogStore::entries_after.
class EntryCursor {
 public:
  virtual ~EntryCursor() = default;
  /// The next entry, nullopt at the end, or an error (corruption on a damaged store).
  virtual Result<std::optional<Entry>> next() = 0;
};

class LogStore {
 public:
  /// Opens (creating if absent) the store in directory `dir`. `clock` must outlive the store.
  /// Errors: unavailable when another process holds the store (RocksDB's lock), failed_precondition
  /// when RocksDB cannot open it (permissions), corruption when its contents are damaged.
  static Result<std::unique_ptr<LogStore>> open(const std::filesystem::path& dir, const Clock& clock,
                                                StoreOptions options = {});
  ~LogStore();
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  /// Appends one entry to feed (key.id(), scope): next seq, prev = id of the head, a fresh HLC
  /// timestamp, signed with `key`. `meta` writes (key, value) pairs into the meta column family
  /// in the same atomic batch. Errors: invalid_argument (bad scope), failed_precondition (feed
  /// frozen), permission_denied (admission), unavailable/corruption (RocksDB).
  Result<Entry> append(const NodeKey& key, std::string_view scope, schema::Payload::Reader payload,
                       const std::vector<std::pair<std::string, std::string>>& meta = {});

  /// Appends several entries to one feed in one atomic batch (registry chunks, benchmarks).
  Result<std::vector<Entry>> append_all(const NodeKey& key, std::string_view scope,
                                        std::span<const schema::Payload::Reader> payloads);

  /// The first half of append_all, for a caller that signs one feed's entries while another
  /// feed's commit runs (a registry import: one feed per district): entries for `payloads`,
  /// chained after the head of feed (key.id(), scope) as it is now and signed with `key`, but not
  /// written. Thread-safe; the entries own copies of the payloads. Errors as append.
  Result<std::vector<Entry>> create_chain(const NodeKey& key, std::string_view scope,
                                          std::span<const schema::Payload::Reader> payloads) const;

  /// The second half: writes `entries`, made by create_chain for one feed, in one atomic batch.
  /// Errors: aborted (nothing written) when the feed's head moved after create_chain (another
  /// append to that feed came between: create them again), else as append.
  Status append_created(std::span<const Entry> entries);

  /// Verifies and writes `entries` (any feeds, any order: they are sorted `national` feeds first,
  /// then by feed and seq, so enrollments precede what they admit) all or nothing. Identical
  /// entries already held are no-ops; see IngestFault for refusals. A fork is recorded in
  /// quarantine (both entries) and freezes the feed even though the batch itself is refused.
  ///
  /// `arrival` (optional, opaque to the store: JSON from the caller, e.g. which sync session or
  /// bundle brought the entries) is recorded node-locally in the same atomic batch, once per feed
  /// with new entries, under the meta key arrival_key(feed, first new seq) with value
  /// "<last new seq>\t<arrival>" (schema/README.md "Provenance"). Nothing is recorded when empty.
  ///
  /// `checked` (optional, not owned): a check of these same `entries` started earlier
  /// (check_signatures), so that their signatures were verified while the caller did other work;
  /// ingest finishes it and trusts its results. Another span is refused (invalid_argument).
  IngestResult ingest(std::span<const Entry> entries, std::string_view arrival = {},
                      SignatureCheck* checked = nullptr);

  /// Starts checking the signatures of `entries` on the store's verify threads
  /// (StoreOptions::verify_threads), for a later ingest of the same span. `entries` must outlive
  /// the check and not change.
  std::unique_ptr<SignatureCheck> check_signatures(std::span<const Entry> entries) const;

  /// Meta key of an arrival record: "arrival/<author hex>/<scope>\0<first seq, 20 digits>".
  static std::string arrival_key(const FeedId& feed, uint64_t first_seq);
  /// Prefix of every arrival record of `feed` (first seqs in ascending order).
  static std::string arrival_prefix(const FeedId& feed);

  /// Highest contiguous seq held per feed.
  Frontier frontier() const;
  /// Seq, id and HLC of the newest entry of `feed`; seq 0 when the feed is not held.
  uint64_t head_seq(const FeedId& feed) const;

  /// The entry at (feed, seq). Errors: not_found, corruption.
  Result<Entry> get(const FeedId& feed, uint64_t seq) const;
  /// The entry with this id. Errors: not_found, corruption.
  Result<Entry> get_by_id(const Hash256& id) const;

  /// Entries the holder of `have` lacks, for feeds accepted by `filter` (nullptr = all), feed by
  /// feed in seq order. Reads a consistent snapshot taken now; memory use is one entry at a time.
  std::unique_ptr<EntryCursor> entries_after(
      const Frontier& have, std::function<bool(const FeedId&)> filter = nullptr) const;

  /// Re-verifies every entry: decodes, signature, prev chain, contiguous seqs, id index and
  /// frontier. Returns the faults found (empty = clean).
  std::vector<VerifyFault> verify_all() const;

  /// Forks recorded so far, with their evidence.
  std::vector<ForkRecord> forks() const;
  /// True when `feed` was frozen by a fork.
  bool frozen(const FeedId& feed) const;

  /// The write hold in force, nullopt when this node may append to every feed.
  std::optional<WriteHold> write_hold() const;

  /// What an append to `feed` would be refused for before writing anything: a feed frozen by a
  /// fork, or the write hold (failed_precondition, the same message append gives). OK when an
  /// append may go ahead. For callers that must not change anything else they cannot audit.
  Status check_append(const FeedId& feed) const;
  /// Starts a hold (durable): appends are refused (failed_precondition, naming `reason` and what
  /// to do) until learned_heads() covers their scope or resume_writes(). Replaces an earlier hold.
  Status hold_writes(std::string_view reason);
  /// Records that a peer holding this node's feeds in `scopes` ("*": all of them) was caught up
  /// with (`from`: who, how); ends the hold when "*" is among them. No-op without a hold.
  Status learned_heads(const std::vector<std::string>& scopes, std::string_view from);
  /// Ends a hold by the operator's word (`why` is kept in meta "writes/resumed/<ms>" as the audit).
  /// Errors: failed_precondition when there is no hold.
  Status resume_writes(std::string_view why);

  /// Writes a consistent copy of the whole store (a RocksDB checkpoint: hard links where the file
  /// system allows, else copies) into `to`, which must not exist. Readers and writers go on.
  /// Errors: already_exists (`to` exists), failed_precondition/unavailable (file system).
  Status checkpoint(const std::filesystem::path& to) const;

  /// Small node-local metadata (cursors, peer frontiers). put_meta is durable when it returns.
  Result<std::optional<std::string>> get_meta(std::string_view key) const;
  Status put_meta(std::string_view key, std::string_view value);
  /// Calls fn(key, value) for every meta key starting with `prefix` until fn returns false.
  void scan_meta(std::string_view prefix,
                 const std::function<bool(std::string_view, std::string_view)>& fn) const;

  /// Reads the views column family (consistent with committed entries).
  const ViewReader& views() const;

  /// Number of entries held (sum of the frontier).
  uint64_t entry_count() const { return frontier().total(); }

  struct Impl;  // Opaque: defined in store/log_store_impl.h, private to src/store.

 private:
  explicit LogStore(std::unique_ptr<Impl> impl);
  Result<std::vector<Entry>> append_batch(const NodeKey& key, std::string_view scope,
                                          std::span<const schema::Payload::Reader> payloads,
                                          const std::vector<std::pair<std::string, std::string>>& meta);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mhero
