// The bulk path of a commit: a large prepared commit (a registry import's chunk of a feed) is
// written as one sorted SST file per column family and ingested with DB::IngestExternalFiles,
// which records all of them in the MANIFEST atomically. It skips the WAL (every byte written
// twice) and the memtable's skiplist inserts (~8 keys per provider, spread over the key space),
// and leaves no memtable to flush behind the import.
//
// Durability and atomicity match the WriteBatch path: SstFileWriter::Finish syncs each file,
// ingestion links it into the store, syncs the directory and then the MANIFEST; after a crash at
// any point either every file of the commit is in the store or none is (the header of
// IngestExternalFiles). What is left in the staging directory is removed when the store opens.
// One difference: while the files go in, a reader may see one column family's part before
// another's (a registry record in the views a moment before its entry's frontier moves). Every
// reader of this store tolerates that; the frontier mirror (`heads`) moves only after success.
#include <rocksdb/sst_file_writer.h>

#include <algorithm>
#include <system_error>

#include "store/log_store_impl.h"
#include "store/rocks_util.h"

namespace mhero {

namespace {

/// One column family's puts of a WriteBatch, as views into the batch's own bytes.
struct CfPuts {
  uint32_t cf_id = 0;
  std::vector<std::pair<rocksdb::Slice, rocksdb::Slice>> puts;
};

/// Collects a WriteBatch's puts by column family. The store's commits only put (prepare());
/// anything else makes the bulk path decline, and the commit takes the WriteBatch path.
class PutCollector final : public rocksdb::WriteBatch::Handler {
 public:
  std::vector<CfPuts> by_cf;
  bool only_puts = true;

  rocksdb::Status PutCF(uint32_t cf_id, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    auto it = std::find_if(by_cf.begin(), by_cf.end(), [&](const CfPuts& c) { return c.cf_id == cf_id; });
    if (it == by_cf.end()) it = by_cf.insert(by_cf.end(), CfPuts{cf_id, {}});
    it->puts.emplace_back(key, value);
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice&) override { return decline(); }
  rocksdb::Status SingleDeleteCF(uint32_t, const rocksdb::Slice&) override { return decline(); }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return decline();
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override { return decline(); }
  void LogData(const rocksdb::Slice&) override {}

 private:
  rocksdb::Status decline() {
    only_puts = false;
    return rocksdb::Status::NotSupported("not a put");
  }
};

/// Sorts `puts` by key; of several puts to one key the last one stays (a WriteBatch's meaning).
void sort_last_wins(std::vector<std::pair<rocksdb::Slice, rocksdb::Slice>>& puts) {
  std::stable_sort(puts.begin(), puts.end(), [](const auto& a, const auto& b) { return a.first.compare(b.first) < 0; });
  size_t out = 0;
  for (size_t i = 0; i < puts.size(); ++i) {
    if (i + 1 < puts.size() && puts[i + 1].first == puts[i].first) continue;
    puts[out++] = puts[i];
  }
  puts.resize(out);
}

}  // namespace

std::filesystem::path LogStore::Impl::staging_dir() const { return dir / "ingest"; }

size_t LogStore::Impl::commit_bytes(const PendingCommit& commit) {
  return commit.batch.GetDataSize() + commit.view_writes.bytes();
}

Result<bool> LogStore::Impl::write_bulk(PendingCommit& commit) {
  PutCollector collected;
  (void)commit.batch.Iterate(&collected);
  if (!collected.only_puts) return false;

  std::string what = "writing to " + dir.string();
  std::error_code ec;
  std::filesystem::path staging = staging_dir();
  std::filesystem::remove_all(staging, ec);  // Left by a crash; never part of the store.
  std::filesystem::create_directories(staging, ec);
  if (ec) return failed_precondition(what + ": cannot create " + staging.string() + ": " + ec.message());
  struct RemoveStaging {
    std::filesystem::path path;
    ~RemoveStaging() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } cleanup{staging};

  std::vector<rocksdb::IngestExternalFileArg> args;
  // Starts an SST file for `cf`: the column family's own options (comparator, table format,
  // filters) without compression, which costs more than it saves on a commit the user waits for;
  // compactions compress the keys later, in the background.
  auto open_file = [&](rocksdb::ColumnFamilyHandle* cf,
                       rocksdb::SstFileWriter& writer) -> Result<std::string> {
    std::string path = (staging / (cf->GetName() + ".sst")).string();
    MHERO_RETURN_IF_ERROR(from_rocksdb(writer.Open(path), what + " (" + path + ")"));
    return path;
  };
  auto file_options = [&](rocksdb::ColumnFamilyHandle* cf) {
    rocksdb::Options o = db->GetOptions(cf);
    o.compression = rocksdb::kNoCompression;
    return o;
  };
  auto ingest_arg = [&](rocksdb::ColumnFamilyHandle* cf, const std::string& path) {
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = cf;
    arg.external_files = {path};
    arg.options.move_files = true;            // A link into the store: no copy.
    arg.options.write_global_seqno = false;   // The seqno lives in the MANIFEST; the file stays as written.
    args.push_back(std::move(arg));
  };

  for (CfPuts& cf_puts : collected.by_cf) {
    auto handle = std::find_if(handles.begin(), handles.end(),
                               [&](rocksdb::ColumnFamilyHandle* h) { return h->GetID() == cf_puts.cf_id; });
    if (handle == handles.end()) return false;
    sort_last_wins(cf_puts.puts);
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), file_options(*handle), *handle);
    MHERO_ASSIGN_OR_RETURN(std::string path, open_file(*handle, writer));
    for (const auto& [key, value] : cf_puts.puts) {
      MHERO_RETURN_IF_ERROR(from_rocksdb(writer.Put(key, value), what + " (" + path + ")"));
    }
    MHERO_RETURN_IF_ERROR(from_rocksdb(writer.Finish(), what + " (" + path + ")"));
    ingest_arg(*handle, path);
  }
  if (!commit.view_writes.empty()) {
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), file_options(views), views);
    MHERO_ASSIGN_OR_RETURN(std::string path, open_file(views, writer));
    for (const auto& [key, value] : commit.view_writes) {  // ViewWrites is sorted, one write per key.
      rocksdb::Status s = value ? writer.Put(to_slice(key), to_slice(*value)) : writer.Delete(to_slice(key));
      MHERO_RETURN_IF_ERROR(from_rocksdb(s, what + " (" + path + ")"));
    }
    MHERO_RETURN_IF_ERROR(from_rocksdb(writer.Finish(), what + " (" + path + ")"));
    ingest_arg(views, path);
  }

  MHERO_RETURN_IF_ERROR(resume_after_full_disk(what));
  Status s = from_rocksdb(db->IngestExternalFiles(args), what);
  if (s.code() == StatusCode::resource_exhausted) stopped_by_full_disk = true;
  MHERO_RETURN_IF_ERROR(s);
  return true;
}

}  // namespace mhero
