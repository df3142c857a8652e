#include "ops/metrics_server.h"

#include <sodium.h>
#include <sys/stat.h>

#include <boost/asio/ip/address.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "replication/transport.h"

namespace mhero::ops {

namespace {

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

Result<std::string> read_token(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return failed_precondition("[metrics] token_file " + path.string() + " cannot be read: " + std::strerror(errno));
  }
  if (st.st_mode & 077) {
    return failed_precondition("[metrics] token_file " + path.string() +
                               " is readable by group or others; chmod 600 " + path.string());
  }
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < 16) {
    return failed_precondition("[metrics] token_file " + path.string() +
                               " holds no token of at least 16 characters (e.g. `openssl rand -hex 32 > " +
                               path.string() + "`)");
  }
  return token;
}

bool same_token(const std::string& got, const std::string& want) {
  return got.size() == want.size() && sodium_memcmp(got.data(), want.data(), want.size()) == 0;
}

}  // namespace

Result<MetricsOptions> load_metrics_options(const NodeConfig& config, const std::string& node_dir) {
  MetricsOptions options;
  options.listen = string_or(config.table, "metrics", "listen", "");
  if (options.listen.empty()) return options;
  MHERO_ASSIGN_OR_RETURN(auto host_port, split_host_port(options.listen));
  std::string token_file = string_or(config.table, "metrics", "token_file", "");
  if (!token_file.empty()) {
    std::filesystem::path path(token_file);
    if (path.is_relative()) path = std::filesystem::path(node_dir) / path;
    MHERO_ASSIGN_OR_RETURN(options.token, read_token(path));
  } else if (!is_loopback(host_port.first)) {
    return failed_precondition("[metrics] listen " + options.listen +
                               " is not a loopback address: set [metrics] token_file (a file, mode 0600, "
                               "with the token Prometheus sends as a bearer token), or listen on 127.0.0.1");
  }
  return options;
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const MetricsOptions& options,
                                                            std::function<std::string()> render) {
  MHERO_ASSIGN_OR_RETURN(auto host_port, split_host_port(options.listen));
  net::HttpServerOptions http;
  http.host = host_port.first == "localhost" ? "127.0.0.1" : host_port.first;
  http.port = host_port.second;
  http.max_body_bytes = 0;
  std::string token = options.token;
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->server_ = std::make_unique<net::BackgroundHttpServer>(
      http, [token, render = std::move(render)](const net::HttpRequest& req) {
        if (req.path() != "/metrics") return net::HttpResponse::text(404, "not found: the metrics are at /metrics\n");
        if (req.method != "GET" && req.method != "HEAD") {
          auto r = net::HttpResponse::text(405, "only GET /metrics\n");
          r.headers.emplace_back("Allow", "GET, HEAD");
          return r;
        }
        if (!token.empty()) {
          auto auth = req.header("Authorization");
          if (!auth || !auth->starts_with("Bearer ") || !same_token(auth->substr(7), token)) {
            auto r = net::HttpResponse::text(401, "a bearer token is required ([metrics] token_file)\n");
            r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"mhero metrics\"");
            return r;
          }
        }
        net::HttpResponse r;
        r.status = 200;
        r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        r.headers.emplace_back("Cache-Control", "no-store");
        r.body = render();
        return r;
      });
  MHERO_RETURN_IF_ERROR(server->server_->start().status());
  return server;
}

MetricsServer::~MetricsServer() = default;

}  // namespace mhero::ops
