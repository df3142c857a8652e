#include "console/console_server.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "console/certificate.h"
#include "console/gate.h"
#include "net/http_server.h"
#include "node/config.h"

namespace mhero::console {

struct ConsoleServer::Impl {
  boost::asio::io_context ioc;
  std::unique_ptr<Gate> gate;
  std::unique_ptr<net::HttpServer> server;
};

Result<ConsoleOptions> ConsoleOptions::from(const NodeConfig& config) {
  ConsoleOptions o;
  o.listen = string_or(config.table, "console", "listen", config.role == Role::central ? "0.0.0.0:8443" : "");
  o.tls_cert = string_or(config.table, "console", "tls_cert", "");
  o.tls_key = string_or(config.table, "console", "tls_key", "");
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return invalid_argument("[console] tls_cert and tls_key go together: set both (PEM files) or neither "
                            "(a self-signed certificate is generated in the node directory)");
  }
  o.session_idle = std::chrono::milliseconds(int_or(config.table, "console", "session_idle_ms", 30 * 60 * 1000));
  o.session_absolute =
      std::chrono::milliseconds(int_or(config.table, "console", "session_absolute_ms", 8 * 3600 * 1000));
  return o;
}

ConsoleServer::ConsoleServer(Node& node, ConsoleOptions options, const Clock& clock)
    : node_(node),
      options_(std::move(options)),
      sessions_(clock, options_.session_idle, options_.session_absolute),
      hasher_(options_.hash_cost, options_.hash_running, options_.hash_waiting),
      guard_(clock, options_.lockout),
      context_(std::make_unique<ConsoleContext>(node, clock, sessions_, hasher_, guard_, router_,
                                                !options_.plain_http)) {
  register_pages(router_);
}

ConsoleServer::~ConsoleServer() { stop(); }

Status ConsoleServer::start() {
  const std::string& listen = options_.listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return invalid_argument("[console] listen '" + listen + "' is not HOST:PORT");
  host_ = listen.substr(0, colon);
  if (host_.size() >= 2 && host_.front() == '[' && host_.back() == ']') host_ = host_.substr(1, host_.size() - 2);
  if (host_ == "localhost") host_ = "127.0.0.1";
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) return invalid_argument("[console] listen '" + listen + "': bad port");
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host_, ec);
  if (ec) return invalid_argument("[console] listen '" + listen + "': the host must be an IP address or localhost");
  net::HttpServerOptions http;
  http.host = host_;
  http.port = static_cast<uint16_t>(port);
  http.max_body_bytes = options_.max_body_bytes;
  if (options_.plain_http) {
    if (!address.is_loopback()) {
      return invalid_argument("the console serves plain HTTP only on a loopback address (127.0.0.1, ::1), not " +
                              host_ + ": remove the plain-HTTP option to serve HTTPS, or listen on 127.0.0.1 "
                              "behind a reverse proxy");
    }
  } else if (!options_.tls_cert.empty()) {
    MHERO_ASSIGN_OR_RETURN(fingerprint_, certificate_fingerprint(options_.tls_cert));
    http.cert_chain_file = options_.tls_cert;
    http.key_file = options_.tls_key;
  } else {
    char name[256] = {};
    std::string hostname = ::gethostname(name, sizeof name - 1) == 0 ? name : "";
    MHERO_ASSIGN_OR_RETURN(auto cert, ensure_self_signed(node_.paths().dir, hostname));
    fingerprint_ = cert.sha256_fingerprint;
    generated_ = cert.generated;
    http.cert_chain_file = cert.cert.string();
    http.key_file = cert.key.string();
  }
  impl_ = std::make_unique<Impl>();
  impl_->gate = std::make_unique<Gate>(*context_, router_);
  Gate* gate = impl_->gate.get();
  impl_->server = std::make_unique<net::HttpServer>(
      impl_->ioc, http, [gate](const net::HttpRequest& r) { return gate->handle(r); });
  auto bound = impl_->server->start();
  if (!bound.ok()) {
    impl_.reset();
    return bound.status().with_context("console");
  }
  port_ = *bound;
  unsigned n = options_.threads < 1 ? 1 : options_.threads;
  for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { impl_->ioc.run(); });
  return {};
}

void ConsoleServer::stop() {
  if (!impl_) return;
  impl_->server->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  impl_.reset();
}

std::string ConsoleServer::url() const {
  std::string host = host_;
  if (host == "0.0.0.0" || host == "::") {
    char name[256] = {};
    host = ::gethostname(name, sizeof name - 1) == 0 ? name : "localhost";
  } else if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  return std::string(options_.plain_http ? "http" : "https") + "://" + host + ":" + std::to_string(port_) + "/";
}

}  // namespace mhero::console
