// Batches: which entries a peer lacks and may hold, in what order, packed and compressed.
// Shared by online sessions (replication/session.h) and bundles.
//
// Order: entries of feeds holding an `urgent` outgoingMessage come first, up to and including
// the last urgent one (a feed's entries must arrive in seq order, so an urgent message brings
// the entries before it); then everything else. Within each pass `national` feeds come first,
// so enrollments reach a district before the entries they admit.
//
// Raw batch format: for each entry, a 4-byte big-endian length then Entry::encode() (a
// serialized SignedEntry, schema/entry.capnp).
#pragma once

#include <zstd.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "store/log_store.h"

namespace mhero {

/// Yields the entries of `store` that the holder of `peer_has` lacks, in feeds `wanted` accepts,
/// batch by batch. Memory: one batch plus one range per pending feed. Not thread-safe; the
/// store must outlive the planner.
class BatchPlanner {
 public:
  /// Reads the kind of every pending entry once to find urgent messages.
  /// Errors: corruption from the store.
  static Result<std::unique_ptr<BatchPlanner>> plan(const LogStore& store, const Frontier& peer_has,
                                                    std::function<bool(const FeedId&)> wanted);

  /// The next entries, whose encoded sizes sum to at most `budget_bytes` (but at least one
  /// entry, even a larger one, while any remain). Empty when everything was returned.
  Result<std::vector<Entry>> next(size_t budget_bytes);

  /// Entries not yet returned by next().
  uint64_t remaining() const { return remaining_; }

 private:
  struct Range {
    FeedId feed;
    uint64_t from = 0;  // First seq to send.
    uint64_t to = 0;    // Last seq to send (inclusive).
  };
  explicit BatchPlanner(const LogStore& store) : store_(store) {}
  Result<std::optional<Entry>> pull();

  const LogStore& store_;
  std::deque<Range> ranges_;
  std::unique_ptr<EntryCursor> cursor_;
  uint64_t cursor_next_ = 0;  // Seq the open cursor yields next within ranges_.front().
  std::optional<Entry> held_;  // Pulled but did not fit the previous batch.
  uint64_t remaining_ = 0;
};

/// True for an outgoingMessage entry with priority urgent.
bool is_urgent(const Entry& entry);

/// The raw batch of `entries` (format above).
std::string pack_entries(std::span<const Entry> entries);
/// Parses a raw batch. Errors: corruption naming `where` and the entry's position.
Result<std::vector<Entry>> unpack_entries(std::string_view raw, std::string_view where);

/// Parses a batch in the records encoding (bundle/record_codec.h): the entries in order, their
/// seq and prev rebuilt (the signature check at ingest proves them). Errors: corruption naming
/// `where`, the record and the fault.
Result<std::vector<Entry>> unpack_records(std::string_view raw, std::string_view where);

/// A zstd stream spanning many batches: each compress() output is one flushed chunk that the
/// matching BatchDecompressor decodes once it has decoded the chunks before it. One per session
/// direction (or per bundle). Not thread-safe.
class BatchCompressor {
 public:
  explicit BatchCompressor(int level = 3);
  ~BatchCompressor();
  BatchCompressor(const BatchCompressor&) = delete;
  BatchCompressor& operator=(const BatchCompressor&) = delete;
  std::string compress(std::string_view raw);

  /// `entries` in the records encoding, compressed as one flushed chunk with a zstd block ended
  /// after each kind of data of a feed run (record_codec.h). `raw_bytes` is set to the size
  /// before compression.
  std::string compress_records(std::span<const Entry> entries, uint32_t& raw_bytes);

 private:
  std::string compress_with(std::string_view raw, ZSTD_EndDirective mode);
  ZSTD_CCtx* ctx_;
};

class BatchDecompressor {
 public:
  BatchDecompressor();
  ~BatchDecompressor();
  BatchDecompressor(const BatchDecompressor&) = delete;
  BatchDecompressor& operator=(const BatchDecompressor&) = delete;
  /// Decodes one chunk, which must yield exactly `raw_bytes` bytes (at most `max_bytes`).
  /// Errors: corruption (bad zstd data, wrong size), resource_exhausted (raw_bytes > max_bytes).
  Result<std::string> decompress(std::string_view chunk, size_t raw_bytes, size_t max_bytes);

 private:
  ZSTD_DCtx* ctx_;
};

}  // namespace mhero
