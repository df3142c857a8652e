// `mhero backup` / `mhero restore` (README "Reliability"): a whole node directory in one
// encrypted file (node/backup_file.h) — a consistent checkpoint of its store, its key(s),
// config.toml and the other files of the data directory — and back.
//
// Archive (the plain stream inside the container), integers big-endian:
//   records: 'F' | u16 path length | path (relative, '/'-separated, no "..") | u32 mode |
//            u64 size | bytes           — the first one is MANIFEST.json (not restored);
//            'E'                        — the end; nothing may follow it.
// A restored node holds its writes (LogStore::hold_writes) until it has learned its own heads
// from a peer: the copy it was restored from may be older than what its peers hold of it.
#pragma once

#include <filesystem>
#include <string>

#include "node/node.h"

namespace mhero {

struct BackupSummary {
  std::string node_hex;     // The node's id.
  std::string role;         // "central" or "district CODE".
  int64_t made_at_ms = 0;   // When the backup was made (Unix ms, the node's clock).
  uint64_t files = 0;       // Files in the archive (the manifest excluded).
  uint64_t bytes = 0;       // Their plain bytes.
  uint64_t entries = 0;     // Entries in the store's checkpoint.
};

/// Writes a backup of `node` to `out` (must not exist; mode 0600), encrypted to `passphrase`.
/// The store is read through a checkpoint made in the data directory and removed afterwards;
/// the node keeps running. Errors: BackupWriter::create's, the store's, failed_precondition
/// (a file cannot be read or written, naming it); on error `out` is removed.
Result<BackupSummary> write_backup(Node& node, const std::filesystem::path& out, std::string_view passphrase);

/// Restores the backup `file` into `dir`, which must not exist or be an empty directory. The
/// whole file is decrypted and checked into a hidden directory beside `dir` first, then renamed:
/// on any error nothing is changed. The restored store then holds its writes ("restored from
/// backup FILE made TIME"). Errors: already_exists (`dir` not empty), BackupReader's
/// (permission_denied: wrong passphrase; corruption: damaged), failed_precondition (file system).
Result<BackupSummary> restore_backup(const std::filesystem::path& file, const std::filesystem::path& dir,
                                     std::string_view passphrase, const Clock& clock);

}  // namespace mhero
