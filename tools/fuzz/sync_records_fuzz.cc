// Fuzz target: a sync batch in the records encoding (bundle/record_codec.h decode_records, as
// replication/session.cc reads a batch of encoding 1 after decompressing it). What decodes must
// encode and decode again to the same entries (the codec's round trip).
#include <cstdlib>
#include <vector>

#include "bundle/record_codec.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  std::vector<Entry> entries;
  Status s = bundle::decode_records(fuzz::as_text(data, size), "fuzz batch", [&](Entry&& e, uint64_t) {
    entries.push_back(std::move(e));
    return Status{};
  });
  if (!s.ok()) return 0;
  std::string again;
  bundle::RecordEncoder encoder([&](std::string_view bytes, bool) {
    again += bytes;
    return Status{};
  });
  for (const Entry& e : entries) (void)encoder.add(e);
  (void)encoder.flush();
  std::vector<Entry> back;
  s = bundle::decode_records(again, "fuzz batch, encoded again", [&](Entry&& e, uint64_t) {
    back.push_back(std::move(e));
    return Status{};
  });
  if (!s.ok() || back.size() != entries.size()) std::abort();
  for (size_t i = 0; i < back.size(); ++i) {
    if (back[i].encode() != entries[i].encode()) std::abort();
  }
  return 0;
}
