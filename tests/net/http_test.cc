#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>

#include "net/http_client.h"
#include "net/http_server.h"
#include "support/temp_dir.h"
#include "support/tls_cert.h"

using namespace mhero;
using namespace mhero::net;
using namespace std::chrono_literals;

namespace {

HttpResponse echo(const HttpRequest& req) {
  if (req.header("Authorization") != std::optional<std::string>("Token secret")) {
    return HttpResponse::json(401, R"({"detail":"Authentication credentials were not provided."})");
  }
  if (req.path() == "/missing") return HttpResponse::text(404, "nope");
  if (req.path() == "/boom") return HttpResponse::text(503, "down");
  HttpResponse r = HttpResponse::text(200, req.method + " " + req.path() + " q=" +
                                               req.query_param("q").value_or("") + " body=" + req.body);
  r.headers.emplace_back("X-Echo", "yes");
  return r;
}

const HttpHeaders kAuth{{"Authorization", "Token secret"}};

}  // namespace

TEST_CASE("client and server exchange GET and POST over loopback with status codes and headers") {
  BackgroundHttpServer server({}, echo);
  auto port = server.start();
  REQUIRE(port.ok());
  REQUIRE(*port != 0);
  HttpClient client;
  auto get = client.get(server.base_url() + "/a/b?q=x%20y", kAuth);
  REQUIRE(get.ok());
  CHECK(get->status == 200);
  CHECK(get->body == "GET /a/b q=x y body=");
  CHECK(get->header("x-echo") == std::optional<std::string>("yes"));
  auto post = client.post(server.base_url() + "/p", R"({"k":1})", kAuth);
  REQUIRE(post.ok());
  CHECK(post->body == R"(POST /p q= body={"k":1})");
  auto missing = client.get(server.base_url() + "/missing", kAuth);
  REQUIRE(missing.ok());
  CHECK(missing->status == 404);
  auto boom = client.get(server.base_url() + "/boom", kAuth);
  REQUIRE(boom.ok());
  CHECK(boom->status == 503);
  auto unauth = client.get(server.base_url() + "/a", {{"Authorization", "Token wrong"}});
  REQUIRE(unauth.ok());
  CHECK(unauth->status == 401);
  // Keep-alive: all six calls used one connection.
  CHECK(client.connections_opened() == 1);
}

TEST_CASE("500 calls reuse one kept-alive connection") {
  std::atomic<int> calls{0};
  BackgroundHttpServer server({}, [&](const HttpRequest&) {
    ++calls;
    return HttpResponse::text(200, "ok");
  });
  REQUIRE(server.start().ok());
  HttpClient client;
  for (int i = 0; i < 500; ++i) {
    auto r = client.post(server.base_url() + "/x", std::string(100, 'a'));
    REQUIRE(r.ok());
  }
  CHECK(calls == 500);
  CHECK(client.connections_opened() == 1);
}

TEST_CASE("a GET after the server restarted on the same port reconnects transparently") {
  HttpClient client;
  uint16_t port = 0;
  {
    BackgroundHttpServer first({}, echo);
    port = first.start().value();
    REQUIRE(client.get(first.base_url() + "/a", kAuth).ok());
  }
  HttpServerOptions o;
  o.port = port;
  BackgroundHttpServer second(o, echo);
  REQUIRE(second.start().ok());
  auto r = client.get(second.base_url() + "/again", kAuth);
  REQUIRE(r.ok());
  CHECK(r->body == "GET /again q= body=");
  CHECK(client.connections_opened() == 2);
}

TEST_CASE("connection refused is unavailable and names the URL") {
  uint16_t port;
  {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // Closed: nothing listens there now.
  HttpClient client;
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/api/v2/contacts.json";
  auto r = client.get(url);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::unavailable);
  CHECK(r.status().message().find(url) != std::string::npos);
}

TEST_CASE("a server that never answers times out as unavailable within the limit") {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  // The kernel completes the handshake (backlog); nobody ever reads or answers.
  HttpClient client;
  std::string url = "http://127.0.0.1:" + std::to_string(a.local_endpoint().port()) + "/slow";
  auto start = std::chrono::steady_clock::now();
  auto r = client.post(url, "x", {}, 150ms);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::unavailable);
  CHECK(r.status().message().find("timed out after 150 ms") != std::string::npos);
  CHECK(r.status().message().find(url) != std::string::npos);
  CHECK(took < 5s);
}

TEST_CASE("bad URLs are invalid_argument, not network errors") {
  HttpClient client;
  auto r = client.get("gopher://x/");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::invalid_argument);
}

TEST_CASE("HTTPS with a trusted CA file works; an untrusted certificate is refused") {
  testing::TempDir dir;
  auto files = testing::write_self_signed_cert(dir.path());
  HttpServerOptions o;
  o.cert_chain_file = files.cert;
  o.key_file = files.key;
  BackgroundHttpServer server(o, echo);
  REQUIRE(server.start().ok());
  CHECK(server.base_url().starts_with("https://127.0.0.1:"));

  HttpClientOptions trusted;
  trusted.ca_file = files.cert;
  HttpClient good(trusted);
  auto r = good.post(server.base_url() + "/secure", "hi", kAuth);
  REQUIRE(r.ok());
  CHECK(r->body == "POST /secure q= body=hi");
  CHECK(good.get(server.base_url() + "/again", kAuth).ok());
  CHECK(good.connections_opened() == 1);

  HttpClient strict;  // System CAs only: our self-signed cert must be refused.
  auto bad = strict.get(server.base_url() + "/secure", kAuth);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::unavailable);
  CHECK(bad.status().message().find("TLS handshake") != std::string::npos);

  HttpClientOptions missing_ca;
  missing_ca.ca_file = (dir / "nope.pem").string();
  HttpClient nope(missing_ca);
  auto nr = nope.get(server.base_url() + "/secure");
  REQUIRE_FALSE(nr.ok());
  CHECK(nr.status().code() == StatusCode::invalid_argument);
}
