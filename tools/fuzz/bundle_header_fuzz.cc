// Fuzz target: the readable front of a bundle file (bundle/header.h read_front: magic, version,
// length, the signed Cap'n Proto header and its signature check).
#include <sstream>

#include "bundle/header.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  std::istringstream in(std::string(fuzz::as_text(data, size)));
  auto front = bundle::read_front(in, "fuzz.mhb");
  if (front.ok()) (void)front->header.id_hex();
  return 0;
}
