// Private to src/store: the state behind LogStore, shared by its implementation files.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <map>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include "store/keys.h"
#include "store/log_store.h"

namespace mhero {

/// "feed <feed> seq <seq>": how the store's errors name the entry they concern.
inline std::string entry_place(const FeedId& feed, uint64_t seq) {
  return "feed " + feed.to_string() + " seq " + std::to_string(seq);
}

/// ViewReader over the committed database.
class DbViewReader final : public ViewReader {
 public:
  DbViewReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) : db_(db), cf_(cf) {}
  Result<std::optional<std::string>> get(std::string_view key) const override;
  Status scan(std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) const override;
  Status scan_from(std::string_view prefix, std::string_view start,
                   const std::function<bool(std::string_view, std::string_view)>& fn) const override;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
};

/// The view writes of one commit, by key: the value, or nullopt for an erase. A write replaces
/// an earlier one to the same key. They go into the commit in key order, so the memtable inserts
/// them along one splice, or the bulk path streams them into a sorted file (far faster than in the
/// order the views made them: an import writes ~8 keys per provider spread over the key space).
///
/// Keys and values live in an arena owned here and released at once with the commit: a registry
/// import's commit holds ~50,000 writes per district feed, and freeing them node by node took
/// about as long as a quarter of the commit's view fold. A replaced value stays in the arena
/// until then. Not copyable or movable (the map points into the arena).
class ViewWrites {
 public:
  using Map = std::pmr::map<std::pmr::string, std::optional<std::pmr::string>, std::less<>>;

  ViewWrites() = default;
  ViewWrites(const ViewWrites&) = delete;
  ViewWrites& operator=(const ViewWrites&) = delete;

  /// Records `value` (nullopt: an erase) for `key`, replacing an earlier write to it.
  void set(std::string_view key, std::optional<std::string_view> value);

  Map::const_iterator find(std::string_view key) const { return map_.find(key); }
  Map::const_iterator lower_bound(std::string_view key) const { return map_.lower_bound(key); }
  Map::const_iterator begin() const { return map_.begin(); }
  Map::const_iterator end() const { return map_.end(); }
  size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  /// Bytes of the keys and values held (a replaced value no longer counts).
  size_t bytes() const { return bytes_; }

 private:
  std::pmr::monotonic_buffer_resource arena_;  // Declared first: destroyed after map_.
  Map map_{&arena_};
  size_t bytes_ = 0;
};

/// ViewBatch over the committed database with `writes` on top: reads see the writes made so far.
/// `writes` is not owned.
class OverlayViewBatch final : public ViewBatch {
 public:
  OverlayViewBatch(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, ViewWrites* writes)
      : db_(db), cf_(cf), writes_(writes) {}
  Result<std::optional<std::string>> get(std::string_view key) const override;
  Status scan(std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) const override;
  Status scan_from(std::string_view prefix, std::string_view start,
                   const std::function<bool(std::string_view, std::string_view)>& fn) const override;
  void put(std::string_view key, std::string_view value) override;
  void erase(std::string_view key) override;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  ViewWrites* writes_;
};

/// Adds `writes` to `batch` (column family `cf`) in key order.
void add_view_writes(const ViewWrites& writes, rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch& batch);

struct LogStore::Impl {
  Impl(const Clock& clock, StoreOptions options) : wall(clock), hlc(clock), options(std::move(options)) {}

  const Clock& wall;  // Not owned (LogStore::open's contract).
  std::filesystem::path dir;
  HybridClock hlc;
  StoreOptions options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // Owned; destroyed before db.
  rocksdb::ColumnFamilyHandle* entries = nullptr;
  rocksdb::ColumnFamilyHandle* frontier = nullptr;
  rocksdb::ColumnFamilyHandle* entry_ids = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* quarantine = nullptr;
  rocksdb::ColumnFamilyHandle* views = nullptr;
  std::unique_ptr<DbViewReader> view_reader;

  std::mutex write_mu;                       // Serialises commits.
  mutable std::shared_mutex heads_mu;        // Guards `heads`.
  std::map<FeedId, keys::FeedHead> heads;    // Mirror of the frontier column family.
  /// Set when a write failed for lack of disk space: RocksDB then refuses every write (its
  /// background error) until DB::Resume(), which the next write calls (see write()).
  std::atomic<bool> stopped_by_full_disk{false};

  keys::FeedHead head(const FeedId& feed) const;
  Result<Entry> read_entry(rocksdb::ColumnFamilyHandle* cf, const std::string& key,
                           const rocksdb::Snapshot* snapshot, std::string_view where) const;
  bool is_frozen(const FeedId& feed) const;

  /// A commit being prepared: entries, frontier, meta and view writes for one synced batch.
  struct PendingCommit {
    rocksdb::WriteBatch batch;                        // entries, entry ids, frontier, meta.
    ViewWrites view_writes;                           // views (readable while preparing).
    std::map<FeedId, keys::FeedHead> moved;           // New heads, applied after the write.
  };
  /// Runs admission and views for `fresh` (already chain-checked, in order) and adds them, the
  /// frontier and `meta` to `out`. Writes nothing.
  Status prepare(const std::vector<const Entry*>& fresh,
                 const std::vector<std::pair<std::string, std::string>>& meta, PendingCommit& out,
                 IngestFault* fault);
  /// Writes a prepared commit in one synced batch, or through write_bulk when it holds at least
  /// StoreOptions::bulk_write_bytes; updates `heads` after the write succeeds.
  /// After a write refused for lack of space, first asks RocksDB to resume (so a long-running
  /// `mhero run` writes again once space is freed, without a restart); resource_exhausted while
  /// the disk is still full.
  Status write(PendingCommit& commit);
  /// prepare + write.
  Status commit(const std::vector<const Entry*>& fresh,
                const std::vector<std::pair<std::string, std::string>>& meta, IngestFault* fault) {
    PendingCommit pending;
    MHERO_RETURN_IF_ERROR(prepare(fresh, meta, pending, fault));
    return write(pending);
  }
  /// Writes `batch` (synced), resuming first after a full disk; `what` names the write.
  Status write_batch(rocksdb::WriteBatch& batch, const std::string& what);
  /// After a write refused for lack of space, asks RocksDB to resume; ok when writes may go on,
  /// resource_exhausted (naming `what`) while the disk is still full.
  Status resume_after_full_disk(const std::string& what);
  /// The bulk path (store/bulk_write.cc): writes `commit` as one SST file per column family in
  /// staging_dir() and ingests them all atomically. False (nothing written) when the commit
  /// holds anything but puts and view writes; an error leaves the store as it was.
  Result<bool> write_bulk(PendingCommit& commit);
  /// Where write_bulk stages its files; removed when the store opens.
  std::filesystem::path staging_dir() const;
  /// Bytes of keys and values in `commit`, to choose its path (StoreOptions::bulk_write_bytes).
  static size_t commit_bytes(const PendingCommit& commit);
  /// Stores fork evidence, both entries under `seq` (where two different entries of the feed are
  /// known: `other` is at seq, or at seq+1 linking to a seq entry other than `held`), and freezes
  /// the feed (its own synced batch).
  Status record_fork(const Entry& held, const Entry& other, uint64_t seq);
  /// ok unless a write hold (store/write_hold.cc) keeps this node from appending to `feed`:
  /// failed_precondition naming the reason and what to do.
  Status check_write_hold(const FeedId& feed) const;
  /// Rebuilds views whose version changed since they were last built.
  Status rebuild_views();
  rocksdb::WriteOptions write_options() const {
    rocksdb::WriteOptions w;
    w.sync = options.sync;
    return w;
  }
};

}  // namespace mhero
