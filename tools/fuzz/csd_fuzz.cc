// Fuzz target: a CSD document or SVS value set file (registry/csd_parser.h parse_csd_text, the
// parser behind `mhero registry import` and the OpenInfoMan pull), merged as imports merge files.
#include "fuzz_support.h"
#include "registry/csd_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  static const registry::PhoneNormalizer phones("LR");
  auto doc = registry::parse_csd_text(std::string(fuzz::as_text(data, size)), "fuzz.xml", phones);
  if (!doc.ok()) return 0;
  registry::CsdDocument all;
  registry::CsdDocument copy = *doc;
  registry::merge_documents(all, std::move(*doc));
  registry::merge_documents(all, std::move(copy));  // Every record again: the replace path.
  return 0;
}
