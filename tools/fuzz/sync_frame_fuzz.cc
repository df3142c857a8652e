// Fuzz target: a sync session's incoming byte stream, read as the receiving session does
// (replication/session.cc receive_all): frames (4-byte length, capped), messages, and for each
// batch the zstd decompression (capped at 4 MiB here, 64 MiB in the session) and its entries.
#include <variant>

#include "fuzz_support.h"
#include "replication/batch.h"
#include "replication/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  fuzz::InputStream stream(fuzz::as_text(data, size));
  sync::FrameChannel channel(stream, 1u << 20);
  BatchDecompressor decompressor;
  for (int i = 0; i < 64; ++i) {
    auto message = channel.receive();
    if (!message.ok()) break;
    (void)sync::message_name(*message);
    auto* batch = std::get_if<sync::Batch>(&*message);
    if (!batch) continue;
    auto raw = decompressor.decompress(batch->zstd, batch->raw_bytes, 4u << 20);
    if (!raw.ok()) continue;
    auto entries = unpack_entries(*raw, "batch");
    if (!entries.ok()) continue;
    for (const Entry& e : *entries) (void)e.signature_valid();
  }
  return 0;
}
