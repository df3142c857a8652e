// Fuzz target: entry decoding (store/entry.h Entry::decode, the stored/wire SignedEntry), then
// what readers do with a decoded entry: signature check, kind, payload, and the version 2 bundle
// codec (bundle/entry_codec.h compact_payload and rebuild_body).
#include <cstdlib>

#include "bundle/entry_codec.h"
#include "fuzz_support.h"
#include "store/entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  auto entry = Entry::decode(fuzz::as_text(data, size), "fuzz entry");
  if (!entry.ok()) return 0;
  (void)entry->signature_valid();
  (void)entry->kind_name();
  if (entry->encoded_size() != entry->encode().size()) std::abort();
  auto compact = bundle::compact_payload(*entry);
  if (compact && bundle::rebuild_body(entry->feed(), entry->seq(), entry->prev(), entry->hlc_time(), *compact) !=
                     entry->body_bytes()) {
    std::abort();  // compact_payload promises the rebuilt bytes are identical.
  }
  return 0;
}
