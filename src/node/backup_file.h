// The encrypted container of `mhero backup` (README "Reliability"): one file, readable only with
// its passphrase. Built only from libsodium's documented constructions, nothing of our own:
//   key    = crypto_pwhash (Argon2id 1.3) of the passphrase, a random 16-byte salt, and the
//            opslimit/memlimit written in the header (libsodium's INTERACTIVE limits);
//   stream = crypto_secretstream_xchacha20poly1305, 64 KiB plain chunks, the last one tagged
//            FINAL, each authenticated with the 44 header bytes before the stream header as
//            additional data (so the header cannot be altered either).
// Layout (integers big-endian):
//   "MHEROBAK" | u32 version = 1 | salt[16] | u64 opslimit | u64 memlimit | stream header[24]
//   then chunks: u32 ciphertext length | ciphertext (plain + 17 bytes)
// A missing FINAL chunk (truncated file), bytes after it, or a chunk that does not decrypt is
// refused. The plain stream is the archive of node/backup.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace mhero {

/// Writes the container to a file. Not thread-safe. The file is complete only after finish().
class BackupWriter {
 public:
  /// Creates `path` (mode 0600; must not exist) and derives the key (about a second, 64 MiB).
  /// Errors: already_exists, invalid_argument (passphrase under 12 characters),
  /// failed_precondition (cannot create), resource_exhausted (key derivation out of memory).
  static Result<std::unique_ptr<BackupWriter>> create(const std::filesystem::path& path, std::string_view passphrase);
  ~BackupWriter();
  /// Appends plain bytes. Errors: failed_precondition (write failed: disk full, naming the file).
  Status write(std::string_view bytes);
  /// Writes the FINAL chunk, flushes and fsyncs the file.
  Status finish();

 private:
  BackupWriter() = default;
  Status flush_chunk(bool final);
  std::filesystem::path path_;
  std::ofstream out_;
  std::vector<unsigned char> state_;  // crypto_secretstream state.
  std::string header_;                // The 44 authenticated header bytes.
  std::string pending_;               // Plain bytes of the chunk being filled.
  bool finished_ = false;
};

/// Reads the container back, chunk by chunk. Not thread-safe.
class BackupReader {
 public:
  /// Opens `path`, checks the header and derives the key. Errors (each names the file and says
  /// that nothing was changed): not_found, corruption (not a backup file, damaged header),
  /// failed_precondition (newer format version).
  static Result<std::unique_ptr<BackupReader>> open(const std::filesystem::path& path, std::string_view passphrase);
  /// Up to `max` more plain bytes; empty once the FINAL chunk was read and nothing follows.
  /// Errors: permission_denied (the first chunk does not decrypt: wrong passphrase, or the file
  /// was altered), corruption (a later chunk does not decrypt, truncated file, bytes after the end).
  Result<std::string> read(size_t max);

 private:
  BackupReader() = default;
  Status next_chunk();
  std::filesystem::path path_;
  std::ifstream in_;
  std::vector<unsigned char> state_;
  std::string header_;
  std::string plain_;  // Decrypted, not yet returned.
  size_t plain_pos_ = 0;
  uint64_t chunks_ = 0;
  bool final_ = false;
};

}  // namespace mhero
