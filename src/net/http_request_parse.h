// The bytes of one HTTP/1.1 request (RFC 9112) turned into an HttpRequest the way HttpServer
// reads them off a connection: Beast's request_parser (header limit 8 KiB, the body limit given)
// and the same conversion (beast_request.h). For the fuzz target and tests; the server itself
// parses incrementally from the socket.
#pragma once

#include <cstddef>
#include <string_view>

#include "net/http_message.h"
#include "util/status.h"

namespace mhero::net {

/// Parses the request at the start of `bytes` (bytes after it are ignored). A request without
/// Content-Length or chunked encoding has an empty body. Errors: invalid_argument "HTTP request:
/// <parser error>" for a malformed or truncated request, or a body over `max_body_bytes`.
Result<HttpRequest> parse_http_request(std::string_view bytes, size_t max_body_bytes);

}  // namespace mhero::net
