#include <catch2/catch.hpp>

#include "net/url.h"

using namespace mhero;
using namespace mhero::net;

TEST_CASE("parse_url splits scheme, host, default and explicit ports, target") {
  auto a = parse_url("https://rapidpro.example.org/api/v2/contacts.json?urn=tel%3A%2B1");
  REQUIRE(a.ok());
  CHECK(a->scheme == "https");
  CHECK(a->host == "rapidpro.example.org");
  CHECK(a->port == 443);
  CHECK(a->target == "/api/v2/contacts.json?urn=tel%3A%2B1");
  auto b = parse_url("HTTP://127.0.0.1:8080");
  REQUIRE(b.ok());
  CHECK(b->scheme == "http");
  CHECK(b->port == 8080);
  CHECK(b->target == "/");
  CHECK(b->origin() == "http://127.0.0.1:8080");
  auto c = parse_url("http://[::1]:9/x");
  REQUIRE(c.ok());
  CHECK(c->host == "::1");
  CHECK(c->port == 9);
}

TEST_CASE("parse_url rejects bad input naming the URL") {
  for (const char* bad : {"ftp://x/", "no-scheme", "http://:80/", "http://h:0/", "http://h:99999/",
                          "http://h:8a/"}) {
    auto r = parse_url(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK(r.status().message().find(bad) != std::string::npos);
  }
}

TEST_CASE("parse_url never echoes user-info: a password in a URL is shown as ***@") {
  auto scheme = parse_url("ftp://admin:S3cretPw@openinfoman:8984");
  REQUIRE_FALSE(scheme.ok());
  CHECK(scheme.status().message() == "URL 'ftp://***@openinfoman:8984': scheme must be http or https");
  auto info = parse_url("http://admin:S3cretPw@openinfoman:8984/csd");
  REQUIRE_FALSE(info.ok());
  CHECK(info.status().message() ==
        "URL 'http://***@openinfoman:8984/csd': user-info is not supported (give the user name and password in "
        "their own config keys)");
  auto port = parse_url("http://a:b@h:99999/");
  REQUIRE_FALSE(port.ok());
  CHECK(port.status().message().find("b@") == std::string::npos);
  CHECK(redact_url("http://h:80/x@y") == "http://h:80/x@y");
  CHECK(redact_url("admin:pw@h:7447") == "***@h:7447");
  CHECK(redact_url("https://rp.example.org") == "https://rp.example.org");
}

TEST_CASE("query strings round-trip with percent-encoding") {
  QueryParams p{{"urn", "tel:+250788123123"}, {"after", "2026-01-01T00:00:00.000Z"}, {"x", "a b&c"}};
  std::string q = build_query(p);
  CHECK(q == "urn=tel%3A%2B250788123123&after=2026-01-01T00%3A00%3A00.000Z&x=a%20b%26c");
  CHECK(parse_query(q) == p);
  CHECK(parse_query("a&b=1&&c=%zz") == QueryParams{{"a", ""}, {"b", "1"}, {"c", "%zz"}});
  CHECK(join_url("http://h:1/", "/api/v2/x.json") == "http://h:1/api/v2/x.json");
  CHECK(join_url("http://h:1", "api") == "http://h:1/api");
}
