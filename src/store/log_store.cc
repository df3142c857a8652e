// LogStore: opening, appending and ingesting. Reads live in log_store_read.cc, view plumbing in
// view_batch.cc.
#include "store/log_store.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include "store/log_store_impl.h"
#include "store/rocks_util.h"
#include "store/scope.h"
#include "store/signature_check.h"
#include "util/bytes.h"

namespace mhero {

const char* ingest_fault_name(IngestFault fault) {
  switch (fault) {
    case IngestFault::none: return "none";
    case IngestFault::malformed: return "malformed";
    case IngestFault::bad_signature: return "bad_signature";
    case IngestFault::bad_prev: return "bad_prev";
    case IngestFault::seq_gap: return "seq_gap";
    case IngestFault::not_allowed: return "not_allowed";
    case IngestFault::fork: return "fork";
    case IngestFault::feed_frozen: return "feed_frozen";
  }
  return "unknown";
}

namespace {

// What a fork refusal says: the node, feed and seq, and where the recovery is described.
std::string fork_message(const FeedId& feed, uint64_t seq, const std::string& how) {
  return "fork in the feed " + feed.scope + " of node " + feed.author.hex() + " at seq " + std::to_string(seq) +
         ": " + how +
         "; both kept as evidence and the feed is frozen (nothing after the fork is taken from it). "
         "See README \"Recovering from a fork\"";
}

IngestResult refuse(IngestFault fault, Status status) {
  IngestResult r;
  r.fault = fault;
  r.status = std::move(status);
  return r;
}

}  // namespace

LogStore::LogStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LogStore::~LogStore() {
  if (!impl_->db) return;
  for (auto* h : impl_->handles) {
    (void)impl_->db->DestroyColumnFamilyHandle(h);
  }
  (void)impl_->db->Close();
}

Result<std::unique_ptr<LogStore>> LogStore::open(const std::filesystem::path& dir, const Clock& clock,
                                                 StoreOptions options) {
  auto impl = std::make_unique<Impl>(clock, std::move(options));
  impl->dir = dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return failed_precondition("cannot create " + dir.string() + ": " + ec.message());

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.max_open_files = 256;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.info_log = make_rocksdb_logger();  // No LOG file: see rocks_util.h.
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.compression = rocksdb::kZSTD;
  // Bloom filters: most view and index lookups during an import are for absent keys.
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  cf_options.memtable_whole_key_filtering = true;
  cf_options.memtable_prefix_bloom_size_ratio = 0.05;

  const char* names[] = {rocksdb::kDefaultColumnFamilyName.c_str(), keys::kEntries, keys::kFrontier,
                         keys::kEntryIds, keys::kMeta, keys::kQuarantine, keys::kViews};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : names) descriptors.emplace_back(name, cf_options);

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir.string(), descriptors, &impl->handles, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return unavailable("the store at " + dir.string() + " is in use by another mhero process");
    }
    return from_rocksdb(s, "opening the store at " + dir.string());
  }
  impl->db.reset(raw);
  impl->entries = impl->handles[1];
  impl->frontier = impl->handles[2];
  impl->entry_ids = impl->handles[3];
  impl->meta = impl->handles[4];
  impl->quarantine = impl->handles[5];
  impl->views = impl->handles[6];
  impl->view_reader = std::make_unique<DbViewReader>(impl->db.get(), impl->views);
  // A bulk commit's staged files, left by a crash before or during their ingestion: either
  // ingested whole (the store links them) or not at all, so never needed again.
  std::filesystem::remove_all(impl->staging_dir(), ec);

  // Load the frontier mirror and move the HLC past everything this node has seen.
  std::unique_ptr<rocksdb::Iterator> it(impl->db->NewIterator({}, impl->frontier));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto feed = keys::parse_feed_prefix(to_view(it->key()));
    auto head = keys::decode_head(to_view(it->value()));
    if (!feed || !head) {
      return corruption("the store at " + dir.string() + " has a malformed frontier record");
    }
    impl->hlc.observe(head->hlc_time);
    impl->heads.emplace(std::move(*feed), *head);
  }
  MHERO_RETURN_IF_ERROR(from_rocksdb(it->status(), "reading the frontier of " + dir.string()));
  it.reset();

  MHERO_RETURN_IF_ERROR(impl->rebuild_views());
  return std::unique_ptr<LogStore>(new LogStore(std::move(impl)));
}

Result<Entry> LogStore::append(const NodeKey& key, std::string_view scope,
                               schema::Payload::Reader payload,
                               const std::vector<std::pair<std::string, std::string>>& meta) {
  schema::Payload::Reader one[] = {payload};
  MHERO_ASSIGN_OR_RETURN(std::vector<Entry> created, append_batch(key, scope, one, meta));
  return std::move(created.front());
}

Result<std::vector<Entry>> LogStore::append_all(const NodeKey& key, std::string_view scope,
                                                std::span<const schema::Payload::Reader> payloads) {
  return append_batch(key, scope, payloads, {});
}

Status LogStore::check_append(const FeedId& feed) const {
  if (impl_->is_frozen(feed)) return failed_precondition("feed " + feed.to_string() + " is frozen after a fork");
  return impl_->check_write_hold(feed);
}

Result<std::vector<Entry>> LogStore::append_batch(
    const NodeKey& key, std::string_view scope, std::span<const schema::Payload::Reader> payloads,
    const std::vector<std::pair<std::string, std::string>>& meta) {
  std::lock_guard lock(impl_->write_mu);  // Held from the head read to the write: no retry.
  MHERO_ASSIGN_OR_RETURN(auto created, create_chain(key, scope, payloads));
  std::vector<const Entry*> fresh;
  for (const Entry& e : created) fresh.push_back(&e);
  IngestFault fault = IngestFault::none;
  MHERO_RETURN_IF_ERROR(impl_->commit(fresh, meta, &fault));
  return created;
}

Result<std::vector<Entry>> LogStore::create_chain(const NodeKey& key, std::string_view scope,
                                                  std::span<const schema::Payload::Reader> payloads) const {
  if (!valid_scope(scope)) {
    return invalid_argument("scope \"" + std::string(scope) +
                            "\" is not `national` or `district/<code>`");
  }
  FeedId feed{key.id(), std::string(scope)};
  MHERO_RETURN_IF_ERROR(check_append(feed));
  keys::FeedHead head = impl_->head(feed);
  std::vector<Entry> created;
  created.reserve(payloads.size());
  Hash256 prev = head.id;
  for (size_t i = 0; i < payloads.size(); ++i) {
    created.push_back(Entry::create(key, scope, head.seq + 1 + i, prev, impl_->hlc.now(), payloads[i]));
    prev = created.back().id();
  }
  return created;
}

Status LogStore::append_created(std::span<const Entry> entries) {
  if (entries.empty()) return {};
  std::lock_guard lock(impl_->write_mu);
  const FeedId& feed = entries.front().feed();
  keys::FeedHead head = impl_->head(feed);
  if (entries.front().seq() != head.seq + 1 || entries.front().prev() != head.id) {
    return aborted("feed " + feed.to_string() + " moved to seq " + std::to_string(head.seq) +
                   " after its entries from seq " + std::to_string(entries.front().seq()) +
                   " were created: create them again");
  }
  MHERO_RETURN_IF_ERROR(check_append(feed));  // A fork or a write hold since create_chain.
  std::vector<const Entry*> fresh;
  for (const Entry& e : entries) {
    bool chained = fresh.empty() || (e.feed() == feed && e.seq() == fresh.back()->seq() + 1 &&
                                     e.prev() == fresh.back()->id());
    if (!chained) return invalid_argument("append_created: the entries are not one chain of feed " + feed.to_string());
    fresh.push_back(&e);
  }
  IngestFault fault = IngestFault::none;
  return impl_->commit(fresh, {}, &fault);
}

std::string LogStore::arrival_prefix(const FeedId& feed) {
  std::string k = "arrival/" + feed.author.hex() + "/" + feed.scope;
  k += '\0';
  return k;
}

std::string LogStore::arrival_key(const FeedId& feed, uint64_t first_seq) {
  std::string seq = std::to_string(first_seq);
  return arrival_prefix(feed) + std::string(20 - std::min<size_t>(20, seq.size()), '0') + seq;
}

std::unique_ptr<SignatureCheck> LogStore::check_signatures(std::span<const Entry> entries) const {
  return std::make_unique<SignatureCheck>(entries, std::max(1u, impl_->options.verify_threads));
}

IngestResult LogStore::ingest(std::span<const Entry> entries, std::string_view arrival, SignatureCheck* checked) {
  if (checked != nullptr && !checked->covers(entries)) {
    return refuse(IngestFault::none, invalid_argument("ingest: the signature check given is of other entries"));
  }
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Entry& x = entries[a];
    const Entry& y = entries[b];
    // `national` first: admission of district entries may rest on enrollments in this batch.
    bool xn = x.feed().scope == kNationalScope, yn = y.feed().scope == kNationalScope;
    if (xn != yn) return xn;
    if (x.feed() != y.feed()) return x.feed() < y.feed();
    return x.seq() < y.seq();
  });

  std::lock_guard lock(impl_->write_mu);
  IngestResult result;

  // Pass 1: drop exact duplicates of what is held (no signature check needed: same body, same
  // id), collect the rest for signature verification.
  std::vector<size_t> candidates;
  std::vector<char> duplicate(entries.size(), 0);
  for (size_t i : order) {
    const Entry& e = entries[i];
    if (e.seq() > impl_->head(e.feed()).seq) {
      candidates.push_back(i);
      continue;
    }
    std::string held_key;
    rocksdb::Status s = impl_->db->Get({}, impl_->entry_ids,
                                       to_slice(std::string_view(reinterpret_cast<const char*>(
                                                                     e.id().data()),
                                                                 e.id().size())),
                                       &held_key);
    if (s.ok() && held_key == keys::entry_key(e.feed(), e.seq())) {
      duplicate[i] = 1;
      ++result.duplicates;
    } else if (s.ok() || s.IsNotFound()) {
      candidates.push_back(i);  // Same (feed, seq), different body: a fork if validly signed.
    } else {
      return refuse(IngestFault::none, from_rocksdb(s, "reading the entry index"));
    }
  }

  // Pass 2: signatures, on helper threads, overlapping pass 3 and the batch preparation (unless
  // the caller started their check already). Nothing is written, and no fork is recorded, until
  // every signature has verified.
  std::optional<SignatureCheck> own_check;
  if (checked == nullptr) checked = &own_check.emplace(entries, candidates, std::max(1u, impl_->options.verify_threads) - 1);

  // Pass 3: chain checks in (feed, seq) order against held heads and this batch. A refusal is
  // held back until the signatures are known: a bad signature is reported first, and a fork is
  // recorded only between validly signed entries.
  std::map<FeedId, keys::FeedHead> pending;
  std::vector<const Entry*> fresh;
  IngestResult refusal;
  const Entry* fork_held_in_batch = nullptr;  // The other side of a fork, when both are new.
  const Entry* fork_entry = nullptr;
  uint64_t fork_seq = 0;  // The seq at which two different entries of the feed are known.
  for (size_t i : candidates) {
    const Entry& e = entries[i];
    const FeedId& feed = e.feed();
    if (impl_->is_frozen(feed)) {  // Evidence is held: nothing of the feed is taken, the rest is.
      ++result.frozen_skipped;
      continue;
    }
    auto p = pending.find(feed);
    keys::FeedHead head = p != pending.end() ? p->second : impl_->head(feed);
    if (e.seq() <= head.seq) {
      if (p != pending.end() && e.seq() == head.seq && e.id() == head.id) {
        ++result.duplicates;  // The same entry twice in one batch.
        continue;
      }
      fork_entry = &e;
      fork_seq = e.seq();
      for (const Entry* f : fresh) {
        if (f->feed() == feed && f->seq() == e.seq()) fork_held_in_batch = f;
      }
      refusal = refuse(IngestFault::fork, corruption(fork_message(feed, e.seq(), "two different validly signed entries")));
      break;
    }
    if (e.seq() != head.seq + 1) {
      refusal = refuse(IngestFault::seq_gap,
                       failed_precondition(entry_place(feed, e.seq()) + ": gap: held up to seq " +
                                           std::to_string(head.seq) + ", missing " +
                                           std::to_string(head.seq + 1) + ".." +
                                           std::to_string(e.seq() - 1)));
      break;
    }
    if (e.prev() != head.id) {
      // The author signed this entry after a seq-(n-1) entry other than the one held (also signed
      // by it): its feed forked at or before seq n-1. Evidence once the signatures verify.
      fork_entry = &e;
      fork_seq = head.seq;
      for (const Entry* f : fresh) {
        if (f->feed() == feed && f->seq() == head.seq) fork_held_in_batch = f;
      }
      refusal = refuse(IngestFault::fork,
                       corruption(fork_message(feed, head.seq,
                                               "seq " + std::to_string(e.seq()) + " links to a seq " +
                                                   std::to_string(head.seq) + " entry other than the one held")));
      break;
    }
    pending[feed] = keys::FeedHead{e.seq(), e.id(), e.hlc_time()};
    fresh.push_back(&e);
  }

  Impl::PendingCommit commit;
  IngestFault prepare_fault = IngestFault::none;
  Status prepared;
  std::vector<std::pair<std::string, std::string>> arrivals;
  if (!arrival.empty()) {
    std::map<FeedId, uint64_t> first;
    for (const Entry* e : fresh) first.emplace(e->feed(), e->seq());  // fresh is in seq order per feed.
    for (const auto& [feed, seq] : first) {
      arrivals.emplace_back(arrival_key(feed, seq), std::to_string(pending[feed].seq) + "\t" + std::string(arrival));
    }
  }
  if (refusal.ok() && !fresh.empty()) prepared = impl_->prepare(fresh, arrivals, commit, &prepare_fault);

  checked->finish();
  auto bad = std::find_if(candidates.begin(), candidates.end(), [&](size_t i) { return !checked->valid(i); });
  if (bad != candidates.end()) {
    const Entry& e = entries[*bad];
    return refuse(IngestFault::bad_signature,
                  corruption(entry_place(e.feed(), e.seq()) + ": signature does not verify for author " +
                             e.feed().author.hex()));
  }
  if (refusal.fault == IngestFault::fork) {
    const FeedId& feed = fork_entry->feed();
    Status recorded;
    if (fork_held_in_batch != nullptr) {
      recorded = impl_->record_fork(*fork_held_in_batch, *fork_entry, fork_seq);
    } else {
      auto held = impl_->read_entry(impl_->entries, keys::entry_key(feed, fork_seq), nullptr, entry_place(feed, fork_seq));
      recorded = held.ok() ? impl_->record_fork(*held, *fork_entry, fork_seq) : held.status();
    }
    if (!recorded.ok()) return refuse(IngestFault::none, recorded);
  }
  if (!refusal.ok()) return refusal;
  if (!prepared.ok()) return refuse(prepare_fault, prepared);

  if (!fresh.empty()) {
    Status s = impl_->write(commit);
    if (!s.ok()) return refuse(IngestFault::none, s);
    for (const Entry* e : fresh) impl_->hlc.observe(e->hlc_time());
  }
  result.added = fresh.size();
  return result;
}

// ---------------------------------------------------------------------------------------------
// Impl

keys::FeedHead LogStore::Impl::head(const FeedId& feed) const {
  std::shared_lock lock(heads_mu);
  auto it = heads.find(feed);
  return it == heads.end() ? keys::FeedHead{} : it->second;
}

bool LogStore::Impl::is_frozen(const FeedId& feed) const {
  std::string value;
  return db->Get({}, meta, keys::frozen_key(feed), &value).ok();
}

Result<Entry> LogStore::Impl::read_entry(rocksdb::ColumnFamilyHandle* cf, const std::string& key,
                                         const rocksdb::Snapshot* snapshot,
                                         std::string_view where_) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  read.verify_checksums = true;
  std::string value;
  rocksdb::Status s = db->Get(read, cf, key, &value);
  if (s.IsNotFound()) return not_found(std::string(where_) + " is not held");
  MHERO_RETURN_IF_ERROR(from_rocksdb(s, "reading " + std::string(where_)));
  return Entry::decode(value, where_);
}

Status LogStore::Impl::prepare(const std::vector<const Entry*>& fresh,
                               const std::vector<std::pair<std::string, std::string>>& meta_writes,
                               PendingCommit& out, IngestFault* fault) {
  OverlayViewBatch view_batch(db.get(), views, &out.view_writes);
  for (const Entry* e : fresh) {
    if (options.admission != nullptr) {
      Status admitted = options.admission->admit(*e, view_batch);
      if (!admitted.ok()) {
        *fault = IngestFault::not_allowed;
        return admitted.with_context(entry_place(e->feed(), e->seq()));
      }
    }
    std::string key = keys::entry_key(e->feed(), e->seq());
    out.batch.Put(entries, key, e->encode());
    out.batch.Put(entry_ids,
                  rocksdb::Slice(reinterpret_cast<const char*>(e->id().data()), e->id().size()), key);
    for (View* view : options.views) {
      Status applied = view->apply(*e, view_batch);
      if (!applied.ok()) {
        *fault = IngestFault::malformed;
        return applied.with_context(entry_place(e->feed(), e->seq()) + ": view " +
                                    std::string(view->name()));
      }
    }
    out.moved[e->feed()] = keys::FeedHead{e->seq(), e->id(), e->hlc_time()};
  }
  for (const auto& [feed, head] : out.moved) {
    out.batch.Put(frontier, keys::feed_prefix(feed), keys::encode_head(head));
  }
  for (const auto& [k, v] : meta_writes) out.batch.Put(meta, k, v);
  return {};
}

Status LogStore::Impl::write(PendingCommit& commit) {
  bool written = false;
  if (commit_bytes(commit) >= options.bulk_write_bytes) {
    MHERO_ASSIGN_OR_RETURN(written, write_bulk(commit));
  }
  if (!written) {
    add_view_writes(commit.view_writes, views, commit.batch);
    MHERO_RETURN_IF_ERROR(write_batch(commit.batch, "writing to " + dir.string()));
  }
  std::unique_lock lock(heads_mu);
  for (const auto& [feed, head] : commit.moved) heads[feed] = head;
  return {};
}

Status LogStore::Impl::record_fork(const Entry& held, const Entry& other, uint64_t seq) {
  rocksdb::WriteBatch batch;
  for (const Entry* e : {&held, &other}) {
    std::string key = keys::entry_key(e->feed(), seq);  // Both under the fork's seq (forks()).
    key.append(reinterpret_cast<const char*>(e->id().data()), e->id().size());
    batch.Put(quarantine, key, e->encode());
  }
  std::string reason = "fork at seq " + std::to_string(seq) + ": entries " + to_hex(held.id()) + " and " +
                       to_hex(other.id());
  if (other.seq() != seq) {
    reason = "fork at seq " + std::to_string(seq) + ": entry " + to_hex(held.id()) + " is held there, but seq " +
             std::to_string(other.seq()) + " (entry " + to_hex(other.id()) + ") links to another seq " +
             std::to_string(seq) + " entry, " + to_hex(other.prev());
  }
  batch.Put(meta, keys::frozen_key(held.feed()), reason);
  return write_batch(batch, "recording a fork in " + dir.string());
}

Status LogStore::Impl::write_batch(rocksdb::WriteBatch& batch, const std::string& what) {
  MHERO_RETURN_IF_ERROR(resume_after_full_disk(what));
  Status s = from_rocksdb(db->Write(write_options(), &batch), what);
  if (s.code() == StatusCode::resource_exhausted) stopped_by_full_disk = true;
  return s;
}

Status LogStore::Impl::resume_after_full_disk(const std::string& what) {
  if (stopped_by_full_disk) {
    // RocksDB stopped writes at the full disk; space may have been freed since.
    rocksdb::Status resumed = db->Resume();
    // Busy: RocksDB's own recovery from the full disk is still running in the background; it
    // ends within moments once space is free.
    for (int i = 0; i < 20 && resumed.IsBusy(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      resumed = db->Resume();
    }
    if (!resumed.ok()) {
      Status s = from_rocksdb(resumed, what + " (resuming after the disk was full)");
      // Still no space (or RocksDB cannot resume yet): the same refusal as the first time.
      if (s.code() == StatusCode::resource_exhausted || resumed.IsIOError()) {
        return resource_exhausted(what + ": the disk is still full (" + resumed.ToString() + "); free some disk space");
      }
      if (resumed.IsBusy()) {
        return resource_exhausted(what + ": the disk was full and the store is still recovering (" + resumed.ToString() +
                                  "); try again in a moment");
      }
      return s;
    }
    stopped_by_full_disk = false;
  }
  return {};
}

}  // namespace mhero
