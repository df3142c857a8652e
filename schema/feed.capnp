# Feeds and frontiers: how nodes name what they hold (DESIGN.md vocabulary).
# Field numbers are never changed or reused.
@0xf9255505f839048f;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mhero::schema");

# Identifies a feed: the append-only sequence one node writes under one scope.
struct FeedId {
  author @0 :Data;   # Ed25519 public key of the writing node, 32 bytes.
  scope @1 :Text;    # "national" or "district/<code>".
}

# One element of a frontier: the highest contiguous seq held for a feed.
struct FeedSeq {
  feed @0 :FeedId;
  seq @1 :UInt64;    # 0 means "nothing held".
}

# A version vector: feed id -> highest contiguous seq held. Feeds absent are at 0.
struct Frontier {
  feeds @0 :List(FeedSeq);
}
