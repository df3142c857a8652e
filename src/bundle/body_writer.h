// Writes the encrypted body of a bundle part (schema/README.md "Bundles"):
//
//   crypto_box_seal(32-byte secretstream key) to the recipient's X25519 key   (80 bytes)
//   crypto_secretstream_xchacha20poly1305 header                              (24 bytes)
//   chunks: u32 BE ciphertext length | ciphertext; the last chunk carries TAG_FINAL
//
// The plaintext of the chunks, concatenated, is one zstd frame. Its content depends on the body
// format version (the bundle's format version, header.h):
//
//  version 1: per entry, u32 BE length | encoded SignedEntry.
//  version 2: version 2 records (record_codec.h: feed runs as column segments, raw entries),
//    with a zstd block ended after each kind of data of a segment.
//
// The key is fresh per part (randombytes via libsodium). Memory: one segment (at most
// kSegmentEntries entries and about kSegmentTailBytes of payload) plus zstd's window.
//
// Not thread-safe; one writer per part. The ostream must outlive the writer.
#pragma once

#include <sodium.h>
#include <zstd.h>

#include <memory>
#include <ostream>
#include <string>

#include "bundle/record_codec.h"
#include "identity/crypto.h"
#include "identity/node_id.h"
#include "store/entry.h"
#include "util/status.h"

namespace mhero::bundle {

/// Plaintext bytes per secretstream chunk (the last may be shorter).
inline constexpr size_t kChunkPlainBytes = 64 * 1024;

/// Body formats this program writes and reads (the bundle's format version).
inline constexpr uint32_t kBodyFormatV1 = 1;
inline constexpr uint32_t kBodyFormatV2 = 2;


/// Streaming BLAKE2b-256 (crypto_generichash init/update/final, 32-byte output).
class BodyHasher {
 public:
  BodyHasher();
  void update(std::string_view bytes);
  Hash256 finish();

 private:
  crypto_generichash_state state_;
};

class BodyWriter {
 public:
  /// Seals a fresh key to `recipient` and writes the seal and the secretstream header to `out`.
  /// `format` is kBodyFormatV1 or kBodyFormatV2. Errors: invalid_argument when the recipient id
  /// is not a valid Ed25519 point or the format is not one of those.
  static Result<std::unique_ptr<BodyWriter>> start(const NodeId& recipient, std::ostream& out,
                                                   int zstd_level = 3, uint32_t format = kBodyFormatV2);
  ~BodyWriter();
  BodyWriter(const BodyWriter&) = delete;
  BodyWriter& operator=(const BodyWriter&) = delete;

  /// Adds one entry. Errors: failed_precondition when the stream fails (disk full).
  Status add(const Entry& entry);
  /// Compresses everything added so far (ending the open segment and a zstd block), so that
  /// written_bytes() + pending_bytes() is the body's size up to here, not a bound. Adding goes
  /// on after. Errors as add().
  Status flush();
  /// Ends the zstd frame and writes the final chunk. Errors as add().
  Status finish();

  /// Body bytes written so far, and bytes buffered that will still add to the body (upper bound).
  uint64_t written_bytes() const { return written_; }
  uint64_t pending_bytes() const { return compressed_.size() + uncompressed_pending_ + records_.pending_bytes(); }
  /// Sum of the entries' encoded sizes (Entry::encoded_size).
  uint64_t plain_bytes() const { return plain_; }
  /// Version 2: entries carried whole (raw records) because they have no compact form.
  uint64_t raw_entries() const { return records_.raw_entries(); }
  /// BLAKE2b-256 of every byte written; valid after finish().
  const Hash256& hash() const { return hash_; }

 private:
  BodyWriter(std::ostream& out)
      : out_(out), records_([this](std::string_view bytes, bool block_end) { return emit_record_bytes(bytes, block_end); }) {}
  Status compress(std::string_view input, ZSTD_EndDirective mode);
  // Compresses one framed record (v1 entry or raw record), flushing every 4 chunks' worth.
  Status compress_framed(std::string_view framed);
  Status emit_chunk(std::string_view plain, bool final);
  Status write(std::string_view bytes);
  Status add_v1(const Entry& entry);
  // Version 2: the encoder's output, compressed (a segment's pieces each end a zstd block).
  Status emit_record_bytes(std::string_view bytes, bool block_end);

  std::ostream& out_;
  ZSTD_CCtx* zstd_ = nullptr;
  crypto_secretstream_xchacha20poly1305_state stream_{};
  BodyHasher hasher_;
  std::string compressed_;        // Compressed bytes not yet encrypted.
  uint64_t uncompressed_pending_ = 0;  // Input given to zstd since its last flush (upper bound).
  uint64_t written_ = 0;
  uint64_t plain_ = 0;
  uint32_t format_ = kBodyFormatV2;
  RecordEncoder records_;
  Hash256 hash_{};
};

}  // namespace mhero::bundle
