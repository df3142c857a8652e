// Fuzz target: one sync frame payload (replication/messages.h decode, schema/sync.capnp packed).
// A payload that decodes must encode again to a payload that decodes to the same message.
#include <cstdlib>
#include <variant>

#include "fuzz_support.h"
#include "replication/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  auto message = sync::decode(fuzz::as_text(data, size));
  if (!message.ok()) return 0;
  std::string again = sync::encode(*message);
  auto back = sync::decode(again);
  if (!back.ok() || sync::encode(*back) != again) std::abort();  // Round trip must hold.
  return 0;
}
