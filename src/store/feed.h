// Feed ids and frontiers (DESIGN.md vocabulary), with their Cap'n Proto forms (schema/feed.capnp).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "feed.capnp.h"
#include "identity/node_id.h"

namespace mhero {

/// (author node id, scope): names one append-only feed.
struct FeedId {
  NodeId author;
  std::string scope;

  /// "1a2b3c4d/national": short author hex and scope, for messages and logs.
  std::string to_string() const;
  auto operator<=>(const FeedId&) const = default;
};

/// Map feed id -> highest contiguous seq held (a version vector). Absent feeds are at 0.
class Frontier {
 public:
  uint64_t get(const FeedId& feed) const;
  /// Sets the seq of `feed` (0 erases it).
  void set(const FeedId& feed, uint64_t seq);
  /// Raises `feed` to `seq` if that is higher; returns true if it changed.
  bool raise(const FeedId& feed, uint64_t seq);
  /// Raises every feed of `other` (pointwise max).
  void merge(const Frontier& other);

  const std::map<FeedId, uint64_t>& feeds() const { return feeds_; }
  size_t size() const { return feeds_.size(); }
  /// Sum of seqs: the number of entries a frontier covers.
  uint64_t total() const;
  /// True when every feed of `other` is at or below this frontier.
  bool covers(const Frontier& other) const;

  void to_capnp(schema::Frontier::Builder out) const;
  /// Reads a Cap'n Proto frontier; feeds with a malformed author are skipped (returns false then).
  bool from_capnp(schema::Frontier::Reader in);

  bool operator==(const Frontier&) const = default;

 private:
  std::map<FeedId, uint64_t> feeds_;
};

}  // namespace mhero
