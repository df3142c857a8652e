# Online replication protocol (DESIGN.md "Replication"; src/replication/session.h).
# Each frame on the byte stream is a 4-byte big-endian length followed by one SyncFrame in Cap'n
# Proto packed encoding; a frame longer than the receiver's cap ([sync] frame_bytes_max) is a
# protocol error. Field numbers are never changed or reused.
@0xbd4c25d888cd8954;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mhero::schema");

using Frontier = import "feed.capnp".Frontier;
using FeedId = import "feed.capnp".FeedId;

# Version spoken by this code. A peer with another version is refused with a clear error.
const syncProtocolVersion :UInt32 = 1;

struct SyncFrame {
  union {
    hello @0 :SyncHello;
    batch @1 :SyncBatch;
    ack @2 :SyncAck;
    done @3 :SyncDone;
    error @4 :SyncError;
  }
}

# First frame of each side (the dialer speaks first; the listener answers).
struct SyncHello {
  nodeId @0 :Data;                 # Sender's Ed25519 public key (32 bytes); must match its TLS key.
  role @1 :Text;                   # "central" or "district".
  protocolVersion @2 :UInt32;      # syncProtocolVersion of the sender.
  scopesWanted @3 :List(Text);     # Scopes the sender wants to receive ("national", "district/x").
  frontier @4 :Frontier;           # What the sender holds, limited to feeds the receiver may hold.
  district @5 :Text;               # Sender's district code; empty for the central node.
  sentAtMs @6 :Int64;              # Sender's wall clock (Unix ms) as it sent this hello, so the
                                   # receiver can measure the clock offset; 0 = not given (older
                                   # nodes). Added with the console (issue 11); same protocol version.
  earlyDone @7 :Bool;              # A dialer's: it accepts the listener's done before the acks of
                                   # its own batches, so a listener with nothing to send sends its
                                   # hello and done in one flight. false = older node (issue 18;
                                   # same protocol version).
  recordBatches @8 :Bool;          # The sender reads batches in encoding 1 (records). false =
                                   # older node: it is sent encoding 0 only (issue 18).
  frontierDelta @9 :Bool;          # A dialer's: answer with a frontier delta. A listener's: its
                                   # `frontier` lists only the feeds whose seq differs from the
                                   # dialer's hello, and `frontierLacks` the dialer's feeds it does
                                   # not hold; every other feed is at the dialer's seq. false =
                                   # full frontier (older nodes; issue 18, same protocol version).
  frontierLacks @10 :List(FeedId); # With a listener's frontierDelta: see above.
}

# Entries the receiver lacks: rawBytes of entries compressed as one flushed chunk of a zstd
# stream that spans the whole session (so each batch decodes after the ones before it). Encoding 0:
# each entry a 4-byte big-endian length followed by a serialized SignedEntry (entry.capnp).
# Encoding 1: version 2 records (src/bundle/record_codec.h, as in bundle format 2: feed runs
# whose seq and prev the receiver rebuilds and the signatures prove), sent only to a receiver
# whose hello set recordBatches.
struct SyncBatch {
  batchNo @0 :UInt64;              # 1, 2, 3, … per sender and session.
  entryCount @1 :UInt32;
  rawBytes @2 :UInt32;             # Size of the decompressed chunk.
  zstdData @3 :Data;
  encoding @4 :UInt8;              # 0 or 1, above.
}

# The receiver committed batch batchNo atomically (all its entries are durable).
struct SyncAck {
  batchNo @0 :UInt64;
  frontier @1 :Frontier;           # Receiver's seq now held for each feed of that batch.
}

# The sender has nothing more to send in this session.
struct SyncDone {
  sentEntryCount @0 :UInt64;       # Entries sent in this session.
}

# The session ends: why. Nothing beyond the acknowledged batches was kept.
struct SyncError {
  code @0 :Text;                   # Status code name, e.g. "permission_denied", "corruption".
  message @1 :Text;                # Names the feed, seq and reason where there is one.
  retryAfterMs @2 :UInt32;         # With code "resource_exhausted": the sender is busy; dial again
                                   # after this many ms. 0 = no advice. (Issue 16; same version.)
  revokedAtMs @3 :Int64;           # With code "permission_denied": the receiver's key was revoked
                                   # by the revocation entry of this HLC time (Unix ms); 0 = not revoked.
  revokedBy @4 :Data;              # The central key (32 bytes) that signed that revocation; empty = unknown.
}
