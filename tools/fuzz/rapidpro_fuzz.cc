// Fuzz target: a RapidPro API v2 response body as the client reads it
// (integrations/rapidpro_client.h): the JSON parse, the list page (results, next), the error
// text of a 4xx, and the timestamps the poller and dispatcher read from each result.
#include "fuzz_support.h"
#include "integrations/rapidpro_client.h"
#include "integrations/rapidpro_time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  std::string body(fuzz::as_text(data, size));
  (void)rapidpro_error_text(body);
  auto json = parse_rapidpro_json(body, "GET https://rapidpro/api/v2/runs.json");
  if (!json.ok()) return 0;
  auto page = rapidpro_page(*json, "GET https://rapidpro/api/v2/runs.json");
  if (!page.ok()) return 0;
  for (const auto& item : page->results) {
    for (const char* key : {"created_on", "modified_on", "exited_on"}) {
      if (item.is_object() && item.contains(key) && item[key].is_string()) {
        (void)parse_rapidpro_time(item[key].get<std::string>());
      }
    }
  }
  return 0;
}
