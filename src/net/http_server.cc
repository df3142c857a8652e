#include "net/beast_config.h"  // First: see there.
#include "net/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <list>
#include <mutex>

#include "net/beast_request.h"

namespace mhero::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// The request line and header fields together (Beast's default): enough for any browser's
// cookies and our longest query strings; more is answered 431 (RFC 6585 section 5).
constexpr uint32_t kHeaderLimitBytes = 8 * 1024;

struct SessionBase {
  virtual ~SessionBase() = default;
  virtual void close() = 0;
};

/// One connection: read a request, call the handler, write the response, repeat while kept alive.
template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, std::shared_ptr<HttpHandler> handler, const HttpServerOptions& options)
      : stream_(std::move(stream)), handler_(std::move(handler)), options_(options) {}

  void begin() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      beast::get_lowest_layer(stream_).expires_after(options_.idle_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (!ec) self->read();
                              });
    }
  }

  // Posted to the connection's strand: with a multi-threaded io_context the socket is only ever
  // touched by one thread at a time.
  void close() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_now(); });
  }

  void close_now() {
    error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

 private:
  void read() {
    if (remote_.empty()) {
      error_code ec;
      auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
      if (!ec) remote_ = endpoint.address().to_string();
    }
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(kHeaderLimitBytes);
    beast::get_lowest_layer(stream_).expires_after(options_.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec == http::error::body_limit) {
      respond(HttpResponse::text(413, "request body too large"), false);
      return;
    }
    if (ec == http::error::header_limit) {
      respond(HttpResponse::text(431, "request line and header fields too large: they must fit in " +
                                          std::to_string(kHeaderLimitBytes / 1024) + " KiB"),
              false);
      return;
    }
    if (ec) return;  // Closed, timed out or garbage: drop the connection.
    auto req = parser_->release();
    // HEAD is GET without the body (RFC 9110 section 9.3.2): handlers see a GET, respond() sends
    // the header alone.
    bool head = req.method() == http::verb::head;
    HttpResponse out;
    try {
      HttpRequest request = to_request(req);
      if (head) request.method = "GET";
      request.remote_address = remote_;
      out = (*handler_)(request);
    } catch (const std::exception& e) {
      spdlog::error("http server: handler threw: {}", e.what());
      out = HttpResponse::text(500, "internal error");
    }
    respond(std::move(out), req.keep_alive(), head);
  }

  void respond(HttpResponse out, bool keep_alive, bool head = false) {
    if (head) {
      respond_header_only(std::move(out), keep_alive);
      return;
    }
    if (out.stream) {
      respond_chunked(std::move(out), keep_alive);
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(static_cast<unsigned>(out.status));
    res->version(11);
    for (auto& [k, v] : out.headers) res->set(k, v);
    res->body() = std::move(out.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    http::async_write(stream_, *res, [self = this->shared_from_this(), res](error_code ec, size_t) {
      if (ec || !res->keep_alive()) {
        self->close_now();
        return;
      }
      self->read();
    });
  }

  // The answer to HEAD: the GET's status and header fields, its Content-Length when the body is
  // known whole (a streamed body is not produced at all), and no body.
  void respond_header_only(HttpResponse out, bool keep_alive) {
    auto res = std::make_shared<http::response<http::empty_body>>();
    res->result(static_cast<unsigned>(out.status));
    res->version(11);
    for (auto& [k, v] : out.headers) res->set(k, v);
    res->keep_alive(keep_alive);
    if (!out.stream) res->content_length(out.body.size());
    http::async_write(stream_, *res, [self = this->shared_from_this(), res](error_code ec, size_t) {
      if (ec || !res->keep_alive()) {
        self->close_now();
        return;
      }
      self->read();
    });
  }

  // A streamed body (HttpResponse::stream): the header with `Transfer-Encoding: chunked`, then
  // one chunk per BodyStream::next() piece, then the last chunk (RFC 9112 section 7.1).
  void respond_chunked(HttpResponse out, bool keep_alive) {
    auto res = std::make_shared<http::response<http::empty_body>>();
    res->result(static_cast<unsigned>(out.status));
    res->version(11);
    for (auto& [k, v] : out.headers) res->set(k, v);
    res->keep_alive(keep_alive);
    res->chunked(true);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    auto first = std::make_shared<std::string>(std::move(out.body));
    auto body = out.stream;
    beast::get_lowest_layer(stream_).expires_after(options_.idle_timeout);
    http::async_write_header(stream_, *sr, [self = this->shared_from_this(), res, sr, first, body](error_code ec, size_t) {
      (void)sr;  // Held until the header is written.
      if (ec) {
        self->close_now();
        return;
      }
      self->write_chunk(res, body, std::move(*first));
    });
  }

  void write_chunk(std::shared_ptr<http::response<http::empty_body>> res, std::shared_ptr<BodyStream> body,
                   std::string piece) {
    bool more = true;
    while (piece.empty()) {  // A zero-length chunk would end the body: ask for the next piece.
      auto next = body->next(piece);
      if (!next.ok()) {
        spdlog::warn("http server: streamed body failed: {}", next.status().to_string());
        close_now();
        return;
      }
      if (!*next) {
        more = false;
        break;
      }
    }
    beast::get_lowest_layer(stream_).expires_after(options_.idle_timeout);
    if (!more) {
      asio::async_write(stream_, http::make_chunk_last(), [self = this->shared_from_this(), res](error_code ec, size_t) {
        if (ec || !res->keep_alive()) {
          self->close_now();
          return;
        }
        self->read();
      });
      return;
    }
    auto held = std::make_shared<std::string>(std::move(piece));
    asio::async_write(stream_, http::make_chunk(asio::buffer(*held)),
                      [self = this->shared_from_this(), res, body, held](error_code ec, size_t) {
                        (void)held;  // Held until the chunk is written.
                        if (ec) {
                          self->close_now();
                          return;
                        }
                        self->write_chunk(res, body, std::string());
                      });
  }

  Stream stream_;
  std::shared_ptr<HttpHandler> handler_;
  HttpServerOptions options_;
  beast::flat_buffer buffer_;
  std::string remote_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, HttpServerOptions o, HttpHandler h)
      : ioc(io), strand(asio::make_strand(io)), options(std::move(o)),
        handler(std::make_shared<HttpHandler>(std::move(h))), acceptor(strand) {}

  asio::io_context& ioc;
  // The acceptor and `sessions` live on this strand, so several threads may run the io_context.
  asio::strand<asio::io_context::executor_type> strand;
  HttpServerOptions options;
  std::shared_ptr<HttpHandler> handler;
  tcp::acceptor acceptor;
  std::optional<asio::ssl::context> ssl_ctx;
  std::list<std::weak_ptr<SessionBase>> sessions;
  bool stopped = false;

  void accept() {
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor.async_accept(asio::make_strand(ioc), [self = shared_from_this()](error_code ec, tcp::socket socket) {
      if (ec || self->stopped) return;
      self->sessions.remove_if([](const auto& w) { return w.expired(); });
      if (self->ssl_ctx) {
        auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *self->ssl_ctx),
            self->handler, self->options);
        self->sessions.push_back(s);
        s->begin();
      } else {
        auto s = std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                              self->handler, self->options);
        self->sessions.push_back(s);
        s->begin();
      }
      self->accept();
    });
  }

  void close_all() {
    stopped = true;
    error_code ignored;
    acceptor.close(ignored);
    for (auto& w : sessions) {
      if (auto s = w.lock()) s->close();
    }
    sessions.clear();
  }
};

HttpServer::HttpServer(asio::io_context& ioc, HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() = default;

Result<uint16_t> HttpServer::start() {
  auto& o = impl_->options;
  error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) return invalid_argument("HTTP server: bad bind address '" + o.host + "'");
  if (o.cert_chain_file || o.key_file) {
    if (!o.cert_chain_file || !o.key_file) return invalid_argument("HTTP server: TLS needs both certificate and key");
    impl_->ssl_ctx.emplace(asio::ssl::context::tls_server);
    impl_->ssl_ctx->use_certificate_chain_file(*o.cert_chain_file, ec);
    if (ec) return invalid_argument("HTTP server: certificate '" + *o.cert_chain_file + "': " + ec.message());
    impl_->ssl_ctx->use_private_key_file(*o.key_file, asio::ssl::context::pem, ec);
    if (ec) return invalid_argument("HTTP server: key '" + *o.key_file + "': " + ec.message());
  }
  tcp::endpoint endpoint(address, o.port);
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unavailable("HTTP server: binding " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
  uint16_t port = acc.local_endpoint().port();
  impl_->accept();
  return port;
}

void HttpServer::stop() {
  asio::post(impl_->strand, [impl = impl_] { impl->close_all(); });
}

BackgroundHttpServer::BackgroundHttpServer(HttpServerOptions options, HttpHandler handler)
    : ioc_(std::make_unique<asio::io_context>()), host_(options.host), tls_(options.cert_chain_file.has_value()) {
  server_ = std::make_unique<HttpServer>(*ioc_, std::move(options), std::move(handler));
}

BackgroundHttpServer::~BackgroundHttpServer() { stop(); }

Result<uint16_t> BackgroundHttpServer::start() {
  MHERO_ASSIGN_OR_RETURN(port_, server_->start());
  thread_ = std::thread([this] { ioc_->run(); });
  return port_;
}

void BackgroundHttpServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

std::string BackgroundHttpServer::base_url() const {
  return std::string(tls_ ? "https" : "http") + "://" + host_ + ":" + std::to_string(port_);
}

}  // namespace mhero::net
