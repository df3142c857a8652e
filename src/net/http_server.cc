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
#include <array>
#include <chrono>
#include <cstdio>
#include <list>
#include <mutex>
#include <sstream>

#include "net/beast_request.h"

namespace mhero::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

/// What HttpServer::Impl holds of a connection (outside the anonymous namespace, because Impl is
/// declared in the header).
struct ServerConnection {
  virtual ~ServerConnection() = default;
  virtual void close() = 0;
};

namespace {

// The request line and header fields together (Beast's default): enough for any browser's
// cookies and our longest query strings; more is answered 431 (RFC 6585 section 5).
constexpr uint32_t kHeaderLimitBytes = 8 * 1024;

// linger_close(): how long, and how many bytes, a closing connection still reads and drops.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 16u << 20;

/// One connection: read a request, call the handler, write the response, repeat while kept alive.
///
/// Every response goes out as flat bytes through one `asio::async_write` (the header serialized
/// by Beast, the body, or one chunk at a time), so the TLS stream instantiates one write
/// operation instead of one per Beast message, serializer and chunk type: those templates made
/// this file the slowest of the build (issue 18, the first run).
template <typename Stream>
class Session : public ServerConnection, public std::enable_shared_from_this<Session<Stream>> {
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
  /// What follows a write once it completed.
  enum class Then { kRead, kClose, kNextChunk };

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

  /// Sends `out`: its header and whole body; for HEAD the header alone, with the GET's
  /// Content-Length when the body is known whole (a streamed body is not produced at all); for a
  /// streamed body the header with `Transfer-Encoding: chunked`, then one chunk per
  /// BodyStream::next() piece, then the last chunk (RFC 9112 section 7.1).
  void respond(HttpResponse out, bool keep_alive, bool head = false) {
    http::response<http::string_body> res;
    res.result(static_cast<unsigned>(out.status));
    res.version(11);
    for (auto& [k, v] : out.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    keep_alive_ = keep_alive;
    bool streamed = out.stream != nullptr;
    if (streamed && !head) {
      res.chunked(true);
    } else if (head) {
      if (!streamed) res.content_length(out.body.size());
    } else {
      res.body() = std::move(out.body);
      res.prepare_payload();  // Content-Length, none for 1xx, 204 and 304 (RFC 9110 section 8.6).
    }
    std::ostringstream header;
    header << res.base();
    std::string wire = std::move(header).str();
    Then then = keep_alive ? Then::kRead : Then::kClose;
    if (streamed && !head) {
      body_stream_ = std::move(out.stream);
      append_chunk(wire, out.body);  // The handler's first piece, if any.
      then = Then::kNextChunk;
    } else if (!head) {
      wire += res.body();
    }
    send(std::move(wire), then);
  }

  /// Writes the next piece of the streamed body as a chunk, or the last chunk.
  void next_chunk() {
    std::string piece;
    while (piece.empty()) {  // A zero-length chunk would end the body: ask for the next piece.
      auto next = body_stream_->next(piece);
      if (!next.ok()) {
        spdlog::warn("http server: streamed body failed: {}", next.status().to_string());
        close_now();
        return;
      }
      if (!*next) {
        body_stream_.reset();
        send("0\r\n\r\n", keep_alive_ ? Then::kRead : Then::kClose);
        return;
      }
    }
    std::string wire;
    append_chunk(wire, piece);
    send(std::move(wire), Then::kNextChunk);
  }

  /// One chunk of a chunked body: its size in hex, CRLF, the bytes, CRLF; nothing for "".
  static void append_chunk(std::string& wire, std::string_view piece) {
    if (piece.empty()) return;
    char size[20];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    wire.append(size, static_cast<size_t>(n)).append(piece).append("\r\n");
  }

  void send(std::string wire, Then then) {
    auto held = std::make_shared<std::string>(std::move(wire));
    beast::get_lowest_layer(stream_).expires_after(options_.idle_timeout);
    asio::async_write(stream_, asio::buffer(*held), [self = this->shared_from_this(), held, then](error_code ec, size_t) {
      if (ec) {
        self->close_now();
        return;
      }
      if (then == Then::kClose) {
        self->linger_close();
        return;
      }
      if (then == Then::kRead) {
        self->read();
      } else {
        self->next_chunk();
      }
    });
  }

  /// Closes after a response with `Connection: close` the way RFC 9112 section 9.6 asks: our
  /// side of the TCP connection first, then reading and dropping what the client still sends
  /// (the rest of a body too large to take, answered 413) until it closes too, for at most
  /// kLingerTime and kLingerBytes. Closed at once, the unread bytes would make the kernel reset
  /// the connection, and a client still writing its body would lose the response.
  void linger_close() {
    error_code ignored;
    auto& tcp = beast::get_lowest_layer(stream_);
    tcp.socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp.expires_after(kLingerTime);
    drain();
  }

  void drain() {
    auto& tcp = beast::get_lowest_layer(stream_);
    tcp.async_read_some(asio::buffer(drain_buffer_), [self = this->shared_from_this()](error_code ec, size_t n) {
      self->drained_bytes_ += n;
      if (ec || self->drained_bytes_ > kLingerBytes) {
        self->close_now();
        return;
      }
      self->drain();
    });
  }

  Stream stream_;
  std::shared_ptr<HttpHandler> handler_;
  HttpServerOptions options_;
  beast::flat_buffer buffer_;
  std::string remote_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<BodyStream> body_stream_;  // The response being streamed, if any.
  std::array<char, 16 * 1024> drain_buffer_;  // linger_close(): what the client still sent.
  size_t drained_bytes_ = 0;
  bool keep_alive_ = true;
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
  std::list<std::weak_ptr<ServerConnection>> sessions;
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
