// Where a node's store lives, to tell a store that was copied or restored from the one that was
// made here: the machine (/etc/machine-id) and the identity (inode) of its db/ directory. A copy
// of a data directory (cp, rsync, a cloned disk, a restore) gets a new db/ inode; a disk moved to
// another server, a new machine-id. Such a node may be behind its own feeds (the original went on
// writing), so it must learn its heads from a peer before it appends (LogStore::hold_writes).
#pragma once

#include <filesystem>
#include <string>

#include "store/log_store.h"

namespace mhero {

struct StoreOrigin {
  std::string machine_id;  // First line of /etc/machine-id (else /var/lib/dbus/machine-id), or "".
  uint64_t db_inode = 0;   // st_ino of db/.
  /// "machine <id> directory inode <n>" (meta value and messages).
  std::string text() const;
  bool operator==(const StoreOrigin&) const = default;
};

/// The origin of the store in `db` on this machine. Errors: failed_precondition (cannot stat).
Result<StoreOrigin> current_store_origin(const std::filesystem::path& db);

/// Compares `now` with the origin the store recorded (meta "node/origin") and records `now`.
/// When they differ, starts a write hold naming both (the store was copied or moved; a hold
/// already in force is kept as it is) and returns true; a store with no record yet (made before this check existed) is only recorded.
/// Errors: the store's.
Result<bool> check_store_origin(LogStore& store, const StoreOrigin& now);

}  // namespace mhero
