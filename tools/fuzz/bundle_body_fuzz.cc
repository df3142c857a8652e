// Fuzz target: a bundle body (bundle/body_reader.h read_body) as the recipient reads it. The
// input's first byte chooses the body format (bit 0: 1 or 2) and whether the rest is the
// plaintext record stream (bit 1 clear: compressed here with zstd) or the zstd frame itself;
// the target then seals it to the fixed recipient key (body_seal.h), so the fuzzer works on the
// records and not on the ciphertext, which would only ever fail to authenticate.
#include <sstream>

#include "body_seal.h"
#include "bundle/body_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  if (size < 1) return 0;
  uint32_t format = (data[0] & 1) ? 2 : 1;
  std::string_view rest = fuzz::as_text(data + 1, size - 1);
  std::string body = fuzz::seal_body((data[0] & 2) ? std::string(rest) : fuzz::zstd_frame(rest));
  std::istringstream in(body);
  (void)bundle::read_body(in, body.size(), fuzz::recipient_key(), format, "fuzz.mhb part 1",
                          [](Entry&& entry, uint64_t) {
                            (void)entry.signature_valid();
                            return Status{};
                          });
  return 0;
}
