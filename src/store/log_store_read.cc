// LogStore: reads, cursors, verification, forks and metadata.
#include <rocksdb/db.h>

#include "store/log_store.h"

#include <rocksdb/utilities/checkpoint.h>
#include "store/log_store_impl.h"
#include "store/rocks_util.h"
#include "util/bytes.h"

namespace mhero {

namespace {

class SnapshotCursor final : public EntryCursor {
 public:
  SnapshotCursor(const LogStore::Impl& impl, std::vector<std::pair<FeedId, uint64_t>> todo)
      : impl_(impl), todo_(std::move(todo)), snapshot_(impl.db->GetSnapshot()) {}
  ~SnapshotCursor() override {
    it_.reset();
    impl_.db->ReleaseSnapshot(snapshot_);
  }

  Result<std::optional<Entry>> next() override {
    while (true) {
      if (!it_) {
        if (index_ >= todo_.size()) return std::optional<Entry>{};
        const auto& [feed, from] = todo_[index_];
        prefix_ = keys::feed_prefix(feed);
        rocksdb::ReadOptions read;
        read.snapshot = snapshot_;
        it_.reset(impl_.db->NewIterator(read, impl_.entries));
        it_->Seek(keys::entry_key(feed, from + 1));
      } else {
        it_->Next();
      }
      if (it_->Valid() && it_->key().starts_with(prefix_)) {
        const auto& feed = todo_[index_].first;
        auto parsed = keys::parse_entry_key(to_view(it_->key()));
        std::string loc = parsed ? entry_place(feed, parsed->second) : "feed " + feed.to_string();
        auto entry = Entry::decode(to_view(it_->value()), loc);
        if (!entry.ok()) return entry.status();
        return std::optional<Entry>(std::move(entry).value());
      }
      MHERO_RETURN_IF_ERROR(from_rocksdb(it_->status(), "reading entries"));
      it_.reset();
      ++index_;
    }
  }

 private:
  const LogStore::Impl& impl_;
  std::vector<std::pair<FeedId, uint64_t>> todo_;  // (feed, seq the reader already holds)
  const rocksdb::Snapshot* snapshot_;
  size_t index_ = 0;
  std::string prefix_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace

Frontier LogStore::frontier() const {
  Frontier f;
  std::shared_lock lock(impl_->heads_mu);
  for (const auto& [feed, head] : impl_->heads) f.set(feed, head.seq);
  return f;
}

uint64_t LogStore::head_seq(const FeedId& feed) const { return impl_->head(feed).seq; }

Result<Entry> LogStore::get(const FeedId& feed, uint64_t seq) const {
  return impl_->read_entry(impl_->entries, keys::entry_key(feed, seq), nullptr, entry_place(feed, seq));
}

Result<Entry> LogStore::get_by_id(const Hash256& id) const {
  std::string key;
  rocksdb::Status s = impl_->db->Get(
      {}, impl_->entry_ids, rocksdb::Slice(reinterpret_cast<const char*>(id.data()), id.size()), &key);
  if (s.IsNotFound()) return not_found("no entry with id " + to_hex(id));
  MHERO_RETURN_IF_ERROR(from_rocksdb(s, "reading the entry index"));
  return impl_->read_entry(impl_->entries, key, nullptr, "entry " + to_hex(id));
}

std::unique_ptr<EntryCursor> LogStore::entries_after(
    const Frontier& have, std::function<bool(const FeedId&)> filter) const {
  std::vector<std::pair<FeedId, uint64_t>> todo;
  std::shared_lock lock(impl_->heads_mu);
  for (const auto& [feed, head] : impl_->heads) {
    if (filter && !filter(feed)) continue;
    uint64_t from = have.get(feed);
    if (head.seq > from) todo.emplace_back(feed, from);
  }
  // The snapshot is taken under heads_mu, so it holds at least every head listed.
  return std::make_unique<SnapshotCursor>(*impl_, std::move(todo));
}

std::vector<VerifyFault> LogStore::verify_all() const {
  std::vector<VerifyFault> faults;
  auto fault = [&](std::string location, std::string problem) {
    faults.push_back({std::move(location), std::move(problem)});
  };
  const rocksdb::Snapshot* snapshot = impl_->db->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  read.verify_checksums = true;

  // Heads as stored in the frontier column family.
  std::map<FeedId, keys::FeedHead> stored_heads;
  {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read, impl_->frontier));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto feed = keys::parse_feed_prefix(to_view(it->key()));
      auto head = keys::decode_head(to_view(it->value()));
      if (!feed || !head) {
        fault("frontier record " + to_hex(to_view(it->key())), "malformed");
        continue;
      }
      stored_heads[*feed] = *head;
    }
    if (!it->status().ok()) fault("frontier", it->status().ToString());
  }

  std::map<FeedId, keys::FeedHead> seen;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read, impl_->entries));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto parsed = keys::parse_entry_key(to_view(it->key()));
    if (!parsed) {
      fault("entry key " + to_hex(to_view(it->key())), "malformed key");
      continue;
    }
    const auto& [feed, seq] = *parsed;
    std::string loc = entry_place(feed, seq);
    auto entry = Entry::decode(to_view(it->value()), loc);
    if (!entry.ok()) {
      fault(loc, entry.status().message());
      continue;
    }
    if (entry->feed() != feed || entry->seq() != seq) {
      fault(loc, "stored under the key of another entry");
      continue;
    }
    if (!entry->signature_valid()) fault(loc, "signature does not verify");
    keys::FeedHead& last = seen[feed];
    if (seq != last.seq + 1) {
      fault(loc, "seq gap after seq " + std::to_string(last.seq));
    } else if (entry->prev() != last.id) {
      fault(loc, "prev does not match the id of seq " + std::to_string(last.seq));
    }
    std::string index_value;
    auto id_slice = rocksdb::Slice(reinterpret_cast<const char*>(entry->id().data()), entry->id().size());
    if (!impl_->db->Get(read, impl_->entry_ids, id_slice, &index_value).ok() ||
        index_value != to_view(it->key())) {
      fault(loc, "missing from the entry-id index");
    }
    last = keys::FeedHead{seq, entry->id(), entry->hlc_time()};
  }
  if (!it->status().ok()) fault("entries", it->status().ToString());
  it.reset();

  for (const auto& [feed, head] : seen) {
    auto s = stored_heads.find(feed);
    if (s == stored_heads.end()) {
      fault("feed " + feed.to_string(), "entries held but no frontier record");
    } else if (s->second.seq != head.seq || s->second.id != head.id) {
      fault("feed " + feed.to_string(), "frontier says seq " + std::to_string(s->second.seq) +
                                           " but entries end at seq " + std::to_string(head.seq));
    }
  }
  for (const auto& [feed, head] : stored_heads) {
    if (!seen.contains(feed)) fault("feed " + feed.to_string(), "frontier record without entries");
  }
  impl_->db->ReleaseSnapshot(snapshot);
  return faults;
}

std::vector<ForkRecord> LogStore::forks() const {
  std::vector<ForkRecord> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator({}, impl_->quarantine));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key = to_view(it->key());
    if (key.size() < 32) continue;
    auto parsed = keys::parse_entry_key(key.substr(0, key.size() - 32));
    if (!parsed) continue;
    auto entry = Entry::decode(to_view(it->value()), "quarantined entry");
    if (!entry.ok()) continue;
    if (out.empty() || out.back().feed != parsed->first || out.back().seq != parsed->second) {
      ForkRecord record;
      record.feed = parsed->first;
      record.seq = parsed->second;
      std::string reason;
      (void)impl_->db->Get({}, impl_->meta, keys::frozen_key(record.feed), &reason);
      record.reason = reason;
      out.push_back(std::move(record));
    }
    out.back().entries.push_back(std::move(entry).value());
  }
  return out;
}

Status LogStore::checkpoint(const std::filesystem::path& to) const {
  if (std::filesystem::exists(to)) return already_exists(to.string() + " already exists; a checkpoint needs a new directory");
  rocksdb::Checkpoint* raw = nullptr;
  MHERO_RETURN_IF_ERROR(from_rocksdb(rocksdb::Checkpoint::Create(impl_->db.get(), &raw), "starting a checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return from_rocksdb(checkpoint->CreateCheckpoint(to.string()), "writing a checkpoint of the store to " + to.string());
}

bool LogStore::frozen(const FeedId& feed) const { return impl_->is_frozen(feed); }

Result<std::optional<std::string>> LogStore::get_meta(std::string_view key) const {
  std::string value;
  rocksdb::Status s = impl_->db->Get({}, impl_->meta, to_slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>{};
  MHERO_RETURN_IF_ERROR(from_rocksdb(s, "reading " + std::string(key)));
  return std::optional<std::string>(std::move(value));
}

Status LogStore::put_meta(std::string_view key, std::string_view value) {
  rocksdb::WriteBatch batch;
  MHERO_RETURN_IF_ERROR(from_rocksdb(batch.Put(impl_->meta, to_slice(key), to_slice(value)), "writing " + std::string(key)));
  return impl_->write_batch(batch, "writing " + std::string(key));
}

void LogStore::scan_meta(std::string_view prefix,
                         const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator({}, impl_->meta));
  for (it->Seek(to_slice(prefix)); it->Valid() && it->key().starts_with(to_slice(prefix)); it->Next()) {
    if (!fn(to_view(it->key()), to_view(it->value()))) break;
  }
}

const ViewReader& LogStore::views() const { return *impl_->view_reader; }

}  // namespace mhero
