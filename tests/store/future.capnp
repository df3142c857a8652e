# A payload union as a newer node might write it: the members this build knows, with their
# layout kept (pointer slot 0, 16-bit discriminant), plus a member this build does not know.
@0xc0ffee1234567891;

struct FuturePayload {
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
    k12 @12 :AnyPointer;            # messageCancel (issue 12).
    k13 @13 :AnyPointer;            # flowList (issue 12).
    k14 @14 :AnyPointer;            # Allotted to other branches of issues 12 and 13:
    k15 @15 :AnyPointer;            # kept out of the way so this stays unknown after
    k16 @16 :AnyPointer;            # they merge.
    stockAlert @17 :StockAlert;   # The kind this build has never heard of.
  }
}

struct StockAlert {
  facility @0 :Text;
  item @1 :Text;
  quantity @2 :UInt32;
}

# EntryBody with the future payload (same layout as schema/entry.capnp).
struct FutureEntryBody {
  author @0 :Data;
  scope @1 :Text;
  seq @2 :UInt64;
  prev @3 :Data;
  hlcTime @4 :UInt64;
  payload @5 :FuturePayload;
}
