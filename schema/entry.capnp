# The entry envelope: what every node signs, stores and forwards.
# This file and payload.capnp are the single source of the wire and disk formats (STYLE.md 9).
# Field numbers are never changed or reused. See README.md beside this file for exactly which
# bytes are signed and hashed, the RocksDB key layout and the crash cases.
@0xb1d558588615a122;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mhero::schema");

using Payload = import "payload.capnp".Payload;

# The signed part of an entry. It is encoded in Cap'n Proto canonical form (one segment, no
# segment table, preorder, trailing zero words truncated) and those bytes are what the
# signature covers and what the entry id hashes. A reader rejects a body that is not canonical.
struct EntryBody {
  author @0 :Data;      # Ed25519 public key (32 bytes) of the signer; also the feed's author.
  scope @1 :Text;       # Scope of the feed this entry belongs to.
  seq @2 :UInt64;       # 1, 2, 3, ... with no gaps within the feed.
  prev @3 :Data;        # BLAKE2b-256 of the previous entry's body bytes; 32 zero bytes for seq 1.
  hlcTime @4 :UInt64;   # Hybrid logical clock: (unix milliseconds << 16) | logical counter.
  payload @5 :Payload;  # What the entry says. Unknown union members are kept verbatim.
}

# An entry as stored on disk and carried on the wire and in bundles.
struct SignedEntry {
  body @0 :Data;        # Canonical bytes of an EntryBody (a multiple of 8 bytes).
  signature @1 :Data;   # Ed25519 detached signature (64 bytes) over `body`.
}
