// parse_http_request (net/http_request_parse.h): requests as HttpServer reads them, and the
// bugs the fuzz target found.
#include <catch2/catch.hpp>

#include "net/http_request_parse.h"

using namespace mhero;
using mhero::net::parse_http_request;

TEST_CASE("bug http_parse_empty_input: empty or header-less input is refused, not an assert in Beast") {
  for (std::string input : {std::string(), std::string("GET / HTTP/1.1\r\nHost: x\r\n"), std::string("G")}) {
    INFO(input);
    auto r = parse_http_request(input, 1024);
    REQUIRE(!r.ok());
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK_THAT(r.status().message(), Catch::StartsWith("HTTP request: "));
  }
}

TEST_CASE("bug beast_chunk_assert: a chunked body cut after \"0\\n\\r\\n\" is refused, not an abort in Beast") {
  // The fuzzer's input; Boost 1.74's parser asserted n >= 5 on it (net/beast_config.h).
  std::string head = "GET ?api/v2/provider-searc)h HTTP/1.1\r\nHost: %qvfloum\r\nAu~horization: Basi: dXNlcjpwYXNz\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n";
  auto r = parse_http_request(head + "0\n\r\n", 1024);
  CHECK(r.status().code() == StatusCode::invalid_argument);
  CHECK(r.status().message() == "HTTP request: partial message");
  auto proper = parse_http_request(head + "0\r\n\r\n", 1024);
  REQUIRE(proper.ok());
  CHECK(proper->target == "?api/v2/provider-searc)h");
}

TEST_CASE("parse_http_request reads method, target, headers and body, and refuses bad requests") {
  auto get = parse_http_request("GET /api/v2/runs.json?after=a%20b&x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n", 1024);
  REQUIRE(get.ok());
  CHECK(get->method == "GET");
  CHECK(get->path() == "/api/v2/runs.json");
  CHECK(get->query_param("after") == "a b");
  CHECK(get->header("x-a") == "1");
  CHECK(get->body.empty());

  auto post = parse_http_request("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 1024);
  REQUIRE(post.ok());
  CHECK(post->body == "hello");

  auto chunked = parse_http_request("POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 1024);
  REQUIRE(chunked.ok());
  CHECK(chunked->body == "abc");

  auto cut = parse_http_request("POST /p HTTP/1.1\r\nContent-Length: 9\r\n\r\nhello", 1024);
  CHECK(cut.status().code() == StatusCode::invalid_argument);
  auto big = parse_http_request("POST /p HTTP/1.1\r\nContent-Length: 9\r\n\r\n123456789", 4);
  CHECK(big.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(big.status().message(), Catch::Contains("body limit"));
  auto junk = parse_http_request("\x01\x02 nonsense\r\n\r\n", 1024);
  CHECK(junk.status().code() == StatusCode::invalid_argument);
}
