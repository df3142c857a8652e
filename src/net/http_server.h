// A small HTTP/1.1 server (Boost.Beast) for our emulators (RapidPro, OpenInfoMan) and tests.
// Plain TCP or TLS (PEM certificate chain + key). Requests are read with keep-alive and handed to
// one route handler; the handler runs on the io_context's thread(s): with a single-threaded
// io_context handlers never run concurrently; with several threads, requests of different
// connections run in parallel (each connection, and the acceptor, has its own strand), so the
// handler must then be thread-safe. HttpRequest::remote_address carries the peer's IP.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "net/http_message.h"
#include "util/status.h"

namespace boost::asio {
class io_context;
}

namespace mhero::net {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // Address to bind (IP literal).
  uint16_t port = 0;                // 0: an ephemeral port, reported by start().
  std::optional<std::string> cert_chain_file;  // PEM; with key_file, serve HTTPS.
  std::optional<std::string> key_file;         // PEM private key.
  size_t max_body_bytes = 16u << 20;           // Larger request bodies get 413.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};  // Keep-alive idle limit.
};

class HttpServer {
 public:
  /// `ioc` must outlive the server; the server only uses it, never runs it.
  HttpServer(boost::asio::io_context& ioc, HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds, listens and starts accepting (work happens when the io_context runs). Returns the
  /// bound port. Errors: invalid_argument (bad host, unreadable certificate/key), unavailable
  /// (port in use). Call once, before running the io_context.
  Result<uint16_t> start();

  /// Stops accepting and closes every open connection. Thread-safe: it is posted to the
  /// io_context, after which run() returns once in-flight handlers finish.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

/// An HttpServer with its own io_context and thread: for emulator programs and tests.
/// The destructor stops the server and joins the thread.
class BackgroundHttpServer {
 public:
  BackgroundHttpServer(HttpServerOptions options, HttpHandler handler);
  ~BackgroundHttpServer();
  BackgroundHttpServer(const BackgroundHttpServer&) = delete;
  BackgroundHttpServer& operator=(const BackgroundHttpServer&) = delete;

  /// Binds and starts the thread; returns the bound port.
  Result<uint16_t> start();
  /// Stops and joins (idempotent).
  void stop();
  uint16_t port() const { return port_; }
  /// "http://127.0.0.1:PORT" (or https).
  std::string base_url() const;

 private:
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::string host_;
  bool tls_ = false;
  uint16_t port_ = 0;
};

}  // namespace mhero::net
