// Version 2 records: the compact encoding of entries that bundles carry in their body (format 2,
// body_writer.h) and sync sessions in their batches (replication/session.h, when both sides
// speak it). A sequence of records, each led by a tag byte (varints are LEB128, unsigned):
//
//   0x01 segment — up to kSegmentEntries consecutive entries of one feed (seq n+1 follows n and
//        its prev is the id of n):
//          varint count | author (32) | varint scope length | scope | varint first seq |
//          prev of the first entry (32) | count × varint zigzag(hlcTime − previous hlcTime, the
//          first relative to 0) | count × varint carried tail length | varint head size H |
//          the payload heads | count × carried payload tail | count × signature (64)
//        where payload head + tail is the entry's payload as a canonical Payload message
//        (entry_codec.h), the head being its root pointer and root struct sections
//        (payload_head_bytes). H > 0: every head is H bytes and they are carried byte plane by
//        byte plane (byte 0 of each head, then byte 1, …); H = 0: heads of differing sizes, one
//        after the other. A tail is carried without up to 7 trailing zero bytes, so that padding
//        it with zeros to a multiple of 8 bytes restores it. seq and prev are not carried: the
//        reader rebuilds them, and the signature check at ingest proves the rebuilt bytes are the
//        author's. A compressor should end its block after the fixed fields with the heads,
//        after the tails and after the signatures, so each block holds one kind of data.
//   0x02 raw — an entry rebuild_body() would not reproduce: varint length | encoded SignedEntry.
//
// So an entry costs about its compressed payload plus its 64-byte signature: the floor while
// every entry keeps its own signature (DESIGN.md "Decisions taken").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "store/entry.h"
#include "util/status.h"

namespace mhero::bundle {

/// A segment is closed at this many entries or once its payload tails reach this size.
inline constexpr size_t kSegmentEntries = 4096;
inline constexpr size_t kSegmentTailBytes = 1u << 20;
/// Record tags.
inline constexpr uint8_t kTagSegment = 0x01;
inline constexpr uint8_t kTagRaw = 0x02;

/// Called for every entry decoded, in order, with the plaintext bytes consumed so far. A non-ok
/// status stops the decoding and is returned as is.
using EntrySink = std::function<Status(Entry&& entry, uint64_t bytes_read)>;

/// Encodes entries as records. Not thread-safe.
class RecordEncoder {
 public:
  /// Receives the encoded bytes piece by piece, in order; `block_end`: a compressor should end
  /// its block after this piece. An error it returns is returned by add() or flush().
  using Output = std::function<Status(std::string_view bytes, bool block_end)>;
  explicit RecordEncoder(Output out) : out_(std::move(out)) {}

  /// Adds one entry: to the open segment, or as a raw record. Errors: the Output's.
  Status add(const Entry& entry);
  /// Outputs the open segment, if any. Adding may go on after. Errors: the Output's.
  Status flush();

  /// Bytes of the open segment, not yet output (an upper bound).
  uint64_t pending_bytes() const;
  /// Entries carried whole (raw records) because they have no compact form.
  uint64_t raw_entries() const { return raw_entries_; }

 private:
  // The open segment: the feed run's fixed fields and one string per column.
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
  Status add_raw(const Entry& entry);

  Output out_;
  Segment segment_;
  uint64_t raw_entries_ = 0;
};

/// The records of `plain` (all of it, e.g. a decompressed sync batch) as entries, in order, to
/// `sink`. `name` leads every error. Errors: corruption naming the record and what is wrong
/// (entries by their index and, in a segment, feed and seq); whatever `sink` returns. Signatures
/// are not checked here (LogStore::ingest does).
Status decode_records(std::string_view plain, const std::string& name, const EntrySink& sink);

}  // namespace mhero::bundle
