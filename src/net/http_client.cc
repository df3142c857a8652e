#include "net/beast_config.h"  // First: see there.
#include "net/http_client.h"

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <sstream>

namespace mhero::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Deadline = std::chrono::steady_clock::time_point;

struct HttpClient::Impl {
  HttpClientOptions options;
  asio::io_context ioc;
  asio::ssl::context ssl_ctx{asio::ssl::context::tls_client};
  Status ssl_status;  // Non-ok when the CA file could not be loaded.
  std::string origin;  // Of the kept-alive connection, empty when none.
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  size_t opened = 0;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  bool connected() const { return plain || tls; }

  void reset() {
    if (connected()) {
      error_code ignored;
      lowest().socket().close(ignored);
    }
    plain.reset();
    tls.reset();
    origin.clear();
    buffer.clear();
  }

  /// Runs the io_context until the operation started by `start` completes.
  template <typename Start>
  error_code run(Start start) {
    error_code result = asio::error::would_block;
    bool done = false;
    start([&](error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc.restart();
    while (!done && ioc.run_one() > 0) {
    }
    return result;
  }

  /// True when the kept-alive socket still looks usable (no EOF or stray bytes pending).
  bool alive() {
    if (!connected()) return false;
    pollfd p{lowest().socket().native_handle(), POLLIN, 0};
    int n = ::poll(&p, 1, 0);
    return n == 0;
  }

  Status connect(const Url& url, Deadline deadline) {
    reset();
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    error_code ec = asio::error::would_block;
    resolver.async_resolve(url.host, std::to_string(url.port),
                           [&](error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                           });
    ioc.restart();
    ioc.run_until(deadline);
    if (ec == asio::error::would_block) {
      resolver.cancel();
      ioc.restart();
      ioc.run();
      return unavailable("resolving " + url.host + ": timed out");
    }
    if (ec) return unavailable("resolving " + url.host + ": " + ec.message());
    if (url.tls()) {
      MHERO_RETURN_IF_ERROR(ssl_status);
      tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, ssl_ctx);
      if (!SSL_set_tlsext_host_name(tls->native_handle(), url.host.c_str())) {
        reset();
        return unavailable("TLS: cannot set SNI host name " + url.host);
      }
      if (options.verify_peer) tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
    } else {
      plain = std::make_unique<beast::tcp_stream>(ioc);
    }
    lowest().expires_at(deadline);
    ec = run([&](auto handler) { lowest().async_connect(endpoints, handler); });
    if (ec) {
      reset();
      return unavailable("connecting: " + ec.message());
    }
    if (tls) {
      ec = run([&](auto handler) { tls->async_handshake(asio::ssl::stream_base::client, handler); });
      if (ec) {
        reset();
        return unavailable("TLS handshake: " + ec.message());
      }
    }
    origin = url.origin();
    ++opened;
    return {};
  }

  /// Writes `wire` (the whole request) and reads the response into `parser`. The request goes as
  /// flat bytes through one asio::async_write: Beast's message writer over TLS is the costliest
  /// template of this file to compile (issue 18, the first run), and gains nothing here.
  template <typename Stream>
  error_code exchange(Stream& stream, const std::string& wire, http::response_parser<http::string_body>& parser) {
    error_code ec = run([&](auto handler) { asio::async_write(stream, asio::buffer(wire), handler); });
    if (ec) return ec;
    return run([&](auto handler) { http::async_read(stream, buffer, parser, handler); });
  }

  Result<HttpResponse> attempt(const Url& url, http::request<http::string_body>& req, Deadline deadline,
                               bool* reused) {
    *reused = origin == url.origin() && alive();
    if (!*reused) MHERO_RETURN_IF_ERROR(connect(url, deadline));
    lowest().expires_at(deadline);
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.skip(req.method() == http::verb::head);  // A HEAD response has no body to wait for.
    std::ostringstream header;
    header << req.base();
    std::string wire = std::move(header).str() + req.body();
    error_code ec = tls ? exchange(*tls, wire, parser) : exchange(*plain, wire, parser);
    if (ec) {
      reset();
      if (ec == beast::error::timeout) return unavailable("timed out");
      return unavailable(ec.message());
    }
    auto& res = parser.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) reset();
    return out;
  }
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  error_code ec;
  if (impl_->options.ca_file) {
    impl_->ssl_ctx.load_verify_file(*impl_->options.ca_file, ec);
    if (ec) {
      impl_->ssl_status = invalid_argument("CA file '" + *impl_->options.ca_file + "': " + ec.message());
    }
  } else {
    impl_->ssl_ctx.set_default_verify_paths(ec);
  }
  impl_->ssl_ctx.set_verify_mode(impl_->options.verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
}

HttpClient::~HttpClient() { impl_->reset(); }

size_t HttpClient::connections_opened() const { return impl_->opened; }

void HttpClient::close() { impl_->reset(); }

void HttpClient::set_observer(HttpObserver observer) { observer_ = std::move(observer); }

Result<HttpResponse> HttpClient::request(const std::string& method, const std::string& url_text,
                                         const HttpHeaders& headers, const std::string& body,
                                         std::optional<std::chrono::milliseconds> timeout) {
  if (!observer_) return request_once(method, url_text, headers, body, timeout);
  HttpExchange exchange{method, url_text, &headers, &body, nullptr, "", std::chrono::system_clock::now(), {}};
  auto result = request_once(method, url_text, headers, body, timeout);
  exchange.finished = std::chrono::system_clock::now();
  if (result.ok()) {
    exchange.response = &*result;
  } else {
    exchange.error = result.status().message();
  }
  observer_(exchange);
  return result;
}

Result<HttpResponse> HttpClient::request_once(const std::string& method, const std::string& url_text,
                                              const HttpHeaders& headers, const std::string& body,
                                              std::optional<std::chrono::milliseconds> timeout) {
  auto url = parse_url(url_text);
  if (!url.ok()) return url.status();
  auto limit = timeout.value_or(impl_->options.timeout);
  http::request<http::string_body> req;
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(url->target);
  req.version(11);
  bool default_port = url->port == (url->tls() ? 443 : 80);
  req.set(http::field::host, default_port ? url->host : url->host + ":" + std::to_string(url->port));
  req.set(http::field::user_agent, impl_->options.user_agent);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();

  for (int attempt = 0;; ++attempt) {
    Deadline deadline = std::chrono::steady_clock::now() + limit;
    bool reused = false;
    auto result = impl_->attempt(*url, req, deadline, &reused);
    if (result.ok()) return result;
    bool retry = reused && attempt == 0 && verb == http::verb::get &&
                 result.status().message() != "timed out";
    if (!retry) {
      std::string what = result.status().message() == "timed out"
                             ? "timed out after " + std::to_string(limit.count()) + " ms"
                             : result.status().message();
      return Status(result.status().code(), method + " " + url_text + ": " + what);
    }
  }
}

}  // namespace mhero::net
