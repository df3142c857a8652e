// Fuzz target: the bytes of an HTTP request to one of our servers (net/http_request_parse.h:
// Beast's parser as HttpServer configures it, then our HttpRequest), and what handlers read from
// it: the path, the decoded query parameters, header lookups.
#include "fuzz_support.h"
#include "net/http_request_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  auto request = net::parse_http_request(fuzz::as_text(data, size), 64 * 1024);
  if (!request.ok()) return 0;
  (void)request->path();
  (void)request->query();
  (void)request->query_param("after");
  (void)request->header("authorization");
  return 0;
}
