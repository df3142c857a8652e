// Internal to src/net: the Beast request type's conversion to our HttpRequest, shared by
// HttpServer and parse_http_request (http_request_parse.h) so both build requests one way.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/beast_config.h"
#include "net/http_message.h"

namespace mhero::net {

/// Method, origin-form target, every header field in order, and the body, copied.
HttpRequest to_request(const boost::beast::http::request<boost::beast::http::string_body>& in);

}  // namespace mhero::net
