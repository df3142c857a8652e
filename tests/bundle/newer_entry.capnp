# Entries as a newer node might sign them, for the bundle format tests: a payload kind this build
# does not know (carried in compact form) and an EntryBody with a field this build does not know
# (its signed bytes cannot be rebuilt, so a bundle carries it whole).
@0xd7a4c2e91b3f5a60;

struct NewerPayload {
  union {
    note @0 :Text;
    k1 @1 :AnyPointer;
    k2 @2 :AnyPointer;
    k3 @3 :AnyPointer;
    k4 @4 :AnyPointer;
    k5 @5 :AnyPointer;
    k6 @6 :AnyPointer;
    k7 @7 :AnyPointer;
    k8 @8 :AnyPointer;
    k9 @9 :AnyPointer;
    k10 @10 :AnyPointer;
    k11 @11 :AnyPointer;            # audit (console).
    stockAlert @12 :StockAlert;
  }
}

struct StockAlert {
  facility @0 :Text;
  item @1 :Text;
  quantity @2 :UInt32;
}

# Same layout as schema/entry.capnp EntryBody.
struct FutureEntryBody {
  author @0 :Data;
  scope @1 :Text;
  seq @2 :UInt64;
  prev @3 :Data;
  hlcTime @4 :UInt64;
  payload @5 :NewerPayload;
}

# EntryBody plus a field added by a newer version.
struct NewerEntryBody {
  author @0 :Data;
  scope @1 :Text;
  seq @2 :UInt64;
  prev @3 :Data;
  hlcTime @4 :UInt64;
  payload @5 :NewerPayload;
  relayedVia @6 :Text;
}

# A Payload to which a newer version added a field outside the union: its root struct is one
# data word wider, so its head differs in size from the others of a segment.
struct WiderPayload {
  union {
    note @0 :Text;
    k1 @1 :AnyPointer;
    k2 @2 :AnyPointer;
    k3 @3 :AnyPointer;
    k4 @4 :AnyPointer;
    k5 @5 :AnyPointer;
    k6 @6 :AnyPointer;
    k7 @7 :AnyPointer;
    k8 @8 :AnyPointer;
    k9 @9 :AnyPointer;
    k10 @10 :AnyPointer;
    k11 @11 :AnyPointer;            # audit (console).
    stockAlert @12 :StockAlert;
  }
  priority @13 :UInt64;
}

struct WideEntryBody {
  author @0 :Data;
  scope @1 :Text;
  seq @2 :UInt64;
  prev @3 :Data;
  hlcTime @4 :UInt64;
  payload @5 :WiderPayload;
}
