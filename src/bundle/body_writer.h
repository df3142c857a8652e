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
//  version 2: a sequence of records, each led by a tag byte (varints are LEB128, unsigned):
//    0x01 segment — up to kSegmentEntries consecutive entries of one feed (seq n+1 follows n and
//         its prev is the id of n):
//           varint count | author (32) | varint scope length | scope | varint first seq |
//           prev of the first entry (32) | count × varint zigzag(hlcTime − previous hlcTime, the
//           first relative to 0) | count × varint carried tail length | varint head size H |
//           the payload heads | count × carried payload tail | count × signature (64)
//         where payload head + tail is the entry's payload as a canonical Payload message
//         (entry_codec.h), the head being its root pointer and root struct sections
//         (payload_head_bytes). H > 0: every head is H bytes and they are carried byte plane by
//         byte plane (byte 0 of each head, then byte 1, …); H = 0: heads of differing sizes, one
//         after the other. A tail is carried without up to 7 trailing zero bytes, so that
//         padding it with zeros to a multiple of 8 bytes restores it. seq and prev are not
//         carried: the reader rebuilds them, and the signature check at ingest proves the rebuilt
//         bytes are the author's. zstd blocks are ended after the fixed fields with the heads,
//         after the tails and after the signatures, so each block holds one kind of data.
//    0x02 raw — an entry rebuild_body() would not reproduce: varint length | encoded SignedEntry.
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

/// A version 2 segment is closed at this many entries or once its payload tails reach this size.
inline constexpr size_t kSegmentEntries = 4096;
inline constexpr size_t kSegmentTailBytes = 1u << 20;
/// Version 2 record tags.
inline constexpr uint8_t kTagSegment = 0x01;
inline constexpr uint8_t kTagRaw = 0x02;

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
  /// Ends the zstd frame and writes the final chunk. Errors as add().
  Status finish();

  /// Body bytes written so far, and bytes buffered that will still add to the body (upper bound).
  uint64_t written_bytes() const { return written_; }
  uint64_t pending_bytes() const { return compressed_.size() + uncompressed_pending_ + segment_bytes(); }
  /// Sum of the entries' encoded sizes (Entry::encoded_size).
  uint64_t plain_bytes() const { return plain_; }
  /// Version 2: entries carried whole (raw records) because they have no compact form.
  uint64_t raw_entries() const { return raw_entries_; }
  /// BLAKE2b-256 of every byte written; valid after finish().
  const Hash256& hash() const { return hash_; }

 private:
  BodyWriter(std::ostream& out) : out_(out) {}
  Status compress(std::string_view input, ZSTD_EndDirective mode);
  // Compresses one framed record (v1 entry or raw record), flushing every 4 chunks' worth.
  Status compress_framed(std::string_view framed);
  Status emit_chunk(std::string_view plain, bool final);
  Status write(std::string_view bytes);
  Status add_v1(const Entry& entry);
  Status add_raw(const Entry& entry);
  Status flush_segment();
  uint64_t segment_bytes() const;

  // The version 2 segment being built: the feed run's fixed fields and one string per column.
  struct Segment {
    size_t count = 0;
    FeedId feed;
    uint64_t first_seq = 0;
    Hash256 first_prev{};
    uint64_t last_seq = 0;
    Hash256 last_id{};
    uint64_t last_hlc = 0;
    size_t head_size = 0;  // Size shared by every payload head so far; 0 when they differ.
    std::string hlcs, tail_lengths, heads, tails, signatures;
  };

  std::ostream& out_;
  ZSTD_CCtx* zstd_ = nullptr;
  crypto_secretstream_xchacha20poly1305_state stream_{};
  BodyHasher hasher_;
  std::string compressed_;        // Compressed bytes not yet encrypted.
  uint64_t uncompressed_pending_ = 0;  // Input given to zstd since its last flush (upper bound).
  uint64_t written_ = 0;
  uint64_t plain_ = 0;
  uint64_t raw_entries_ = 0;
  uint32_t format_ = kBodyFormatV2;
  Segment segment_;
  Hash256 hash_{};
};

}  // namespace mhero::bundle
