// Helpers shared by the RocksDB-backed parts of the store.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mhero {

inline rocksdb::Slice to_slice(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view to_view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

/// Maps a RocksDB status onto ours: out of space -> resource_exhausted, corruption ->
/// corruption, busy/timed out/try again -> unavailable, anything else -> failed_precondition.
/// `what` names the operation and place, e.g. "writing batch to /data/db".
Status from_rocksdb(const rocksdb::Status& s, const std::string& what);

/// RocksDB's diagnostics through spdlog instead of a LOG file in the store directory: on a full
/// disk, Debian's librocksdb 7.8 aborts the process (an assert in WritableFileWriter) when it
/// writes its LOG file again after a failed write. Levels: RocksDB warnings and errors -> debug
/// (errors reach callers as statuses), fatal -> error; below warning is dropped. Thread-safe.
std::shared_ptr<rocksdb::Logger> make_rocksdb_logger();

}  // namespace mhero
