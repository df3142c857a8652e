#include "net/beast_config.h"  // First: see there.
#include "net/http_request_parse.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <string>

#include "net/beast_request.h"

namespace mhero::net {

namespace http = boost::beast::http;

HttpRequest to_request(const http::request<http::string_body>& in) {
  HttpRequest out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  for (const auto& f : in) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  out.body = in.body();
  return out;
}

Result<HttpRequest> parse_http_request(std::string_view bytes, size_t max_body_bytes) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(max_body_bytes);
  parser.eager(true);
  boost::system::error_code ec;
  // Nothing more will come: the request is complete or truncated. Beast asserts that put_eof()
  // follows some input (got_some), so an empty or header-less input is refused here (the bug
  // http_parse_empty_input, found by fuzzing).
  auto end_of_input = [&] {
    if (parser.got_some()) parser.put_eof(ec);
    if (!ec && !parser.is_done()) ec = http::error::partial_message;
  };
  while (!parser.is_done()) {
    size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (ec == http::error::need_more) {
      ec = {};
      if (used > 0 && !bytes.empty()) continue;
      end_of_input();
    } else if (!ec && used == 0) {
      end_of_input();
    }
    if (ec) return invalid_argument("HTTP request: " + ec.message());
  }
  return to_request(parser.get());
}

}  // namespace mhero::net
