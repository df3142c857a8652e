// Fuzz target: the district mapping CSV of `mhero registry import --district-map`
// (registry/district.h load_district_map), read from a scratch file as the CLI reads it.
#include "fuzz_support.h"
#include "registry/district.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  auto map = registry::load_district_map(fuzz::scratch_file(fuzz::as_text(data, size), "districts.csv"));
  if (map.ok()) {
    for (const auto& [id, code] : *map) (void)registry::district_code_from_text(code);
  }
  return 0;
}
