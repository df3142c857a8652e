// `GET /metrics` for Prometheus on its own listener ([metrics] listen, plain HTTP): loopback by
// default; any other address needs [metrics] token_file, whose token Prometheus sends as
// `Authorization: Bearer …` (scrape_config `authorization: {credentials_file: …}`). Put TLS in
// front (a reverse proxy) when the scrape crosses a network you do not trust.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "net/http_server.h"
#include "node/config.h"
#include "util/status.h"

namespace mhero::ops {

struct MetricsOptions {
  std::string listen;  // "HOST:PORT"; "" = off.
  std::string token;   // Bearer token; "" = none (loopback only).
};

/// Reads [metrics] listen and token_file from `config`. Errors: invalid_argument for a
/// malformed address; failed_precondition for a non-loopback address without token_file, or a
/// token file that is missing, empty, or readable by group/others (it must be mode 0600).
/// Relative token_file paths are taken from `node_dir`.
Result<MetricsOptions> load_metrics_options(const NodeConfig& config, const std::string& node_dir);

class MetricsServer {
 public:
  /// Serves `render()` (called on the server's thread per scrape; must be thread-safe) on
  /// options.listen. Errors as net::HttpServer::start (unavailable: port in use).
  static Result<std::unique_ptr<MetricsServer>> start(const MetricsOptions& options,
                                                       std::function<std::string()> render);
  uint16_t port() const { return server_->port(); }
  ~MetricsServer();

 private:
  MetricsServer() = default;
  std::unique_ptr<net::BackgroundHttpServer> server_;
};

}  // namespace mhero::ops
