# USB sneakernet bundles (DESIGN.md "Replication", offline). See the "Bundles" section of
# README.md beside this file for the byte layout around these structs, the encryption and the
# import rules. Field numbers are never changed or reused.
@0xc4e1a7f0b2d39e57;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mhero::schema");

using Feed = import "feed.capnp";

# The entries of one feed carried by one bundle part: seqs firstSeq..lastSeq, all present.
struct FeedRange {
  feed @0 :Feed.FeedId;
  firstSeq @1 :UInt64;
  lastSeq @2 :UInt64;
}

# What anyone holding the file may read (no private key needed). Encoded in Cap'n Proto
# canonical form; those bytes are what the sender signs.
struct BundleHeader {
  formatVersion @0 :UInt32;      # 2 (1 is still read). Must equal the version word in front of the header.
  bundleId @1 :Data;             # 16 random bytes, shared by every part of one export.
  sender @2 :Data;               # Ed25519 node id (32 bytes) of the exporting node; signs this.
  recipient @3 :Data;            # Node id the body is encrypted to.
  createdAtMs @4 :Int64;         # Unix milliseconds at export (sender's clock).
  base @5 :Feed.Frontier;        # What the sender believed the recipient held (empty = --full).
  covers @6 :Feed.Frontier;      # Sender's frontier, restricted to what the recipient may hold:
                                 # the recipient holds at least this after importing every part.
                                 # The recipient's own feeds are named even when not sent (a
                                 # restored recipient learns from them how far the sender holds them).
  entryCount @7 :UInt64;         # Entries in this part's body.
  partIndex @8 :UInt32;          # 1-based index of this part.
  partCount @9 :UInt32;          # Parts of the bundle (>= 1).
  ranges @10 :List(FeedRange);   # Feeds and seq ranges in this part, in body order.
  plainBytes @11 :UInt64;        # Sum of the encoded entry sizes (before framing/compression).
  bodyBytes @12 :UInt64;         # Length of the body that follows the header, in bytes.
  bodyHash @13 :Data;            # BLAKE2b-256 of those body bytes.
}

# The header as stored: canonical header bytes and the sender's signature over exactly them.
struct SignedBundleHeader {
  header @0 :Data;               # Canonical BundleHeader.
  signature @1 :Data;            # Ed25519 detached signature (64 bytes) by `sender`.
}
