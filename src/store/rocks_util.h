// Helpers shared by the RocksDB-backed parts of the store.
#pragma once

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

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

}  // namespace mhero
