// LogStore: the write hold of a node that may be behind its own feeds (restored from a backup,
// or its store copied), kept in the meta column family:
//   writes/hold              -> "<since ms>\t<reason>"
//   writes/learned/<scope>   -> who the heads of this node's feeds in <scope> were learned from
//   writes/resumed/<ms>      -> the operator's override (audit; kept)
#include <rocksdb/db.h>

#include "store/log_store_impl.h"
#include "store/rocks_util.h"

namespace mhero {

namespace {
constexpr std::string_view kHold = "writes/hold";
constexpr std::string_view kLearned = "writes/learned/";
constexpr std::string_view kResumed = "writes/resumed/";

std::optional<WriteHold> read_hold(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta) {
  std::string value;
  if (!db.Get({}, meta, std::string(kHold), &value).ok()) return std::nullopt;
  WriteHold hold;
  size_t tab = value.find('\t');
  if (tab != std::string::npos) {
    try {
      hold.since_ms = std::stoll(value.substr(0, tab));
    } catch (const std::exception&) {
      hold.since_ms = 0;
    }
    hold.reason = value.substr(tab + 1);
  } else {
    hold.reason = value;
  }
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, meta));
  for (it->Seek(std::string(kLearned)); it->Valid() && it->key().starts_with(std::string(kLearned)); it->Next()) {
    std::string_view key = to_view(it->key());
    hold.learned.emplace(std::string(key.substr(kLearned.size())), std::string(to_view(it->value())));
  }
  return hold;
}
}  // namespace

std::optional<WriteHold> LogStore::write_hold() const { return read_hold(*impl_->db, impl_->meta); }

Status LogStore::Impl::check_write_hold(const FeedId& feed) const {
  auto hold = read_hold(*db, meta);
  if (!hold || hold->allows(feed.scope)) return {};
  return failed_precondition(
      "this node may be behind its own feed " + feed.scope + " (" + hold->reason +
      "), so it does not write until it has learned its heads from a peer that holds them: sync with "
      "one (`mhero sync --peer HOST:PORT`, or let `mhero run` sync) or import a bundle the peer exported "
      "for it with `mhero bundle export --full`. If no peer holds anything of this node, `mhero log "
      "resume-writes --no-peer-holds-more` ends the wait (README \"Backup and restore\"); nothing was written");
}

Status LogStore::hold_writes(std::string_view reason) {
  std::lock_guard lock(impl_->write_mu);
  rocksdb::WriteBatch batch;
  std::string end(kLearned);
  end.back() = static_cast<char>('/' + 1);
  batch.DeleteRange(impl_->meta, std::string(kLearned), end);
  batch.Put(impl_->meta, std::string(kHold), std::to_string(impl_->wall.now().count()) + "\t" + std::string(reason));
  return from_rocksdb(impl_->db->Write(impl_->write_options(), &batch), "holding writes in " + impl_->dir.string());
}

Status LogStore::learned_heads(const std::vector<std::string>& scopes, std::string_view from) {
  std::lock_guard lock(impl_->write_mu);
  if (!read_hold(*impl_->db, impl_->meta)) return {};
  rocksdb::WriteBatch batch;
  bool all = false;
  for (const std::string& scope : scopes) {
    all = all || scope == "*";
    batch.Put(impl_->meta, std::string(kLearned) + scope, std::string(from));
  }
  if (all) {  // Every feed is caught up: the hold ends; the learned records go with it.
    std::string end(kLearned);
    end.back() = static_cast<char>('/' + 1);
    batch.Clear();
    batch.DeleteRange(impl_->meta, std::string(kLearned), end);
    batch.Delete(impl_->meta, std::string(kHold));
  }
  return from_rocksdb(impl_->db->Write(impl_->write_options(), &batch), "recording learned heads in " + impl_->dir.string());
}

Status LogStore::resume_writes(std::string_view why) {
  std::lock_guard lock(impl_->write_mu);
  auto hold = read_hold(*impl_->db, impl_->meta);
  if (!hold) return failed_precondition("this node's writes are not held; nothing was changed");
  rocksdb::WriteBatch batch;
  std::string end(kLearned);
  end.back() = static_cast<char>('/' + 1);
  batch.DeleteRange(impl_->meta, std::string(kLearned), end);
  batch.Delete(impl_->meta, std::string(kHold));
  int64_t now = impl_->wall.now().count();
  batch.Put(impl_->meta, std::string(kResumed) + std::to_string(now),
            std::string(why) + "\t(hold was: " + hold->reason + ")");
  return from_rocksdb(impl_->db->Write(impl_->write_options(), &batch), "resuming writes in " + impl_->dir.string());
}

}  // namespace mhero
