// View plumbing of the log store: readers and batches over the `views` column family, and
// rebuilding a view whose version changed.
#include <rocksdb/db.h>

#include "store/log_store_impl.h"
#include "store/rocks_util.h"

namespace mhero {

namespace {

Status scan_iterator(rocksdb::Iterator* it, std::string_view prefix,
                     const std::function<bool(std::string_view, std::string_view)>& fn,
                     std::string_view start = {}) {
  for (it->Seek(to_slice(start > prefix ? start : prefix)); it->Valid() && it->key().starts_with(to_slice(prefix)); it->Next()) {
    if (!fn(to_view(it->key()), to_view(it->value()))) break;
  }
  return from_rocksdb(it->status(), "scanning view " + std::string(prefix));
}

std::string version_key(const View& view) { return "view_version/" + std::string(view.name()); }

}  // namespace

Result<std::optional<std::string>> DbViewReader::get(std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get({}, cf_, to_slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>{};
  MHERO_RETURN_IF_ERROR(from_rocksdb(s, "reading view key " + std::string(key)));
  return std::optional<std::string>(std::move(value));
}

Status DbViewReader::scan(std::string_view prefix,
                          const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf_));
  return scan_iterator(it.get(), prefix, fn);
}

Status DbViewReader::scan_from(std::string_view prefix, std::string_view start,
                               const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf_));
  return scan_iterator(it.get(), prefix, fn, start);
}

void ViewWrites::set(std::string_view key, std::optional<std::string_view> value) {
  auto it = map_.lower_bound(key);
  if (it == map_.end() || std::string_view(it->first) != key) {
    it = map_.emplace_hint(it, key, std::nullopt);
    bytes_ += key.size();
  }
  bytes_ -= it->second ? it->second->size() : 0;
  bytes_ += value ? value->size() : 0;
  if (value) {
    it->second.emplace(*value, map_.get_allocator());  // In the arena (optional passes no allocator).
  } else {
    it->second.reset();
  }
}

Result<std::optional<std::string>> OverlayViewBatch::get(std::string_view key) const {
  if (auto it = writes_->find(key); it != writes_->end()) {
    if (!it->second) return std::optional<std::string>{};
    return std::optional<std::string>(std::string(*it->second));
  }
  DbViewReader db(db_, cf_);
  return db.get(key);
}

Status OverlayViewBatch::scan(std::string_view prefix,
                              const std::function<bool(std::string_view, std::string_view)>& fn) const {
  return scan_from(prefix, prefix, fn);
}

// The database's keys and the overlay's merged in key order; the overlay's write wins on the
// same key, and an erase there hides the database's value.
Status OverlayViewBatch::scan_from(std::string_view prefix, std::string_view start,
                                   const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::string_view from = start > prefix ? start : prefix;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf_));
  it->Seek(to_slice(from));
  auto w = writes_->lower_bound(from);
  while (true) {
    bool in_db = it->Valid() && it->key().starts_with(to_slice(prefix));
    bool in_writes = w != writes_->end() && std::string_view(w->first).starts_with(prefix);
    if (!in_db && !in_writes) break;
    int order = !in_db ? 1 : !in_writes ? -1 : to_view(it->key()).compare(std::string_view(w->first));
    if (order < 0) {
      if (!fn(to_view(it->key()), to_view(it->value()))) break;
      it->Next();
      continue;
    }
    if (w->second && !fn(w->first, *w->second)) break;
    if (order == 0) it->Next();
    ++w;
  }
  return from_rocksdb(it->status(), "scanning view " + std::string(prefix));
}

void OverlayViewBatch::put(std::string_view key, std::string_view value) { writes_->set(key, value); }

void OverlayViewBatch::erase(std::string_view key) { writes_->set(key, std::nullopt); }

void add_view_writes(const ViewWrites& writes, rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch& batch) {
  for (const auto& [key, value] : writes) {
    if (value) {
      (void)batch.Put(cf, to_slice(key), to_slice(*value));
    } else {
      (void)batch.Delete(cf, to_slice(key));
    }
  }
}

Status LogStore::Impl::rebuild_views() {
  for (View* view : options.views) {
    std::string stored;
    std::string want = std::to_string(view->version());
    rocksdb::Status s = db->Get({}, meta, version_key(*view), &stored);
    if (s.ok() && stored == want) continue;
    if (!s.ok() && !s.IsNotFound()) return from_rocksdb(s, "reading view versions");

    // Drop the old state of this view, then fold every entry into it again, in batches.
    std::string prefix = std::string(view->name()) + "/";
    std::string end = prefix;
    end.back() = static_cast<char>(end.back() + 1);
    MHERO_RETURN_IF_ERROR(from_rocksdb(db->DeleteRange(write_options(), views, prefix, end),
                                       "clearing view " + prefix));
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}, entries));
    it->SeekToFirst();
    while (true) {
      ViewWrites writes;
      OverlayViewBatch view_batch(db.get(), views, &writes);
      size_t n = 0;
      for (; it->Valid() && n < 1000; it->Next(), ++n) {
        auto entry = Entry::decode(to_view(it->value()), "rebuilding view " + prefix);
        if (!entry.ok()) return entry.status();
        MHERO_RETURN_IF_ERROR(view->apply(*entry, view_batch));
      }
      MHERO_RETURN_IF_ERROR(from_rocksdb(it->status(), "rebuilding view " + prefix));
      rocksdb::WriteBatch batch;
      add_view_writes(writes, views, batch);
      if (!it->Valid()) batch.Put(meta, version_key(*view), want);
      MHERO_RETURN_IF_ERROR(from_rocksdb(db->Write(write_options(), &batch), "rebuilding view " + prefix));
      if (!it->Valid()) break;
    }
  }
  return {};
}

}  // namespace mhero
