// RocksDB key layout of the log store (documented in schema/README.md). Every multi-byte
// integer is big-endian so that RocksDB's bytewise order is numeric order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "identity/crypto.h"
#include "store/feed.h"

namespace mhero::keys {

/// Column family names.
inline constexpr const char* kEntries = "entries";        // feed_prefix || seq -> SignedEntry
inline constexpr const char* kFrontier = "frontier";      // feed_prefix -> FeedHead
inline constexpr const char* kEntryIds = "entry_ids";     // entry id -> feed_prefix || seq
inline constexpr const char* kMeta = "meta";              // text key -> value
inline constexpr const char* kQuarantine = "quarantine";  // feed_prefix || seq || id -> entry
inline constexpr const char* kViews = "views";            // "<view>/<key>" -> view-defined

/// author (32 bytes) || scope || 0x00. Scopes never contain NUL, so prefixes never overlap.
std::string feed_prefix(const FeedId& feed);
/// feed_prefix || seq (8 bytes big-endian).
std::string entry_key(const FeedId& feed, uint64_t seq);
/// Parses an entry key back; nullopt when malformed (a corrupt store).
std::optional<std::pair<FeedId, uint64_t>> parse_entry_key(std::string_view key);
/// Parses a feed prefix back.
std::optional<FeedId> parse_feed_prefix(std::string_view key);

/// The frontier column's value: what the store knows about a feed's newest entry.
struct FeedHead {
  uint64_t seq = 0;
  Hash256 id{};            // Entry id of entry `seq`.
  uint64_t hlc_time = 0;   // Its HLC timestamp.
};
std::string encode_head(const FeedHead& head);
std::optional<FeedHead> decode_head(std::string_view value);

/// Meta key marking a feed frozen after a fork; the value is the reason.
std::string frozen_key(const FeedId& feed);

}  // namespace mhero::keys
