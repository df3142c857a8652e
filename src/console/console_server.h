// The reconciliation console's web server (DESIGN.md "The console"): HTTPS (or plain HTTP on a
// loopback address only) on [console] listen, with its own io_context and a few threads running
// net::HttpServer, the gate (gate.h: sessions, roles, CSRF, headers) and the pages.
//
// Use:
//   ConsoleServer console(node, options, clock);
//   add_my_pages(console.router());      // optional: before start()
//   Status s = console.start();          // binds; the pages of register_pages() are added here
//   … console.url(), console.fingerprint() …
//   console.stop();                      // or the destructor
//
// Thread-safety: start/stop from one thread; pages run on `threads` threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "console/context.h"
#include "console/login_guard.h"
#include "console/password_hasher.h"
#include "console/router.h"
#include "console/session_store.h"
#include "node/node.h"

namespace mhero::console {

struct ConsoleOptions {
  std::string listen;             // HOST:PORT (IP literal or "localhost"; port 0 picks one).
  std::string tls_cert, tls_key;  // PEM files; both "" = self-signed console.crt/.key in the node dir.
  bool plain_http = false;        // Serve plain HTTP: only allowed on a loopback address.
  std::chrono::milliseconds session_idle{30 * 60 * 1000};
  std::chrono::milliseconds session_absolute{8 * 3600 * 1000};
  HashCost hash_cost = HashCost::interactive();
  size_t hash_running = 1, hash_waiting = 2;  // Password pool (password_hasher.h).
  LockoutPolicy lockout;
  unsigned threads = 4;                        // More than hash_running + hash_waiting.
  size_t max_body_bytes = 1 << 20;             // Larger requests get 413.

  /// From config.toml's [console] table (node/config_keys.cc): listen (central default
  /// "0.0.0.0:8443", district ""), tls_cert, tls_key, session_idle_ms, session_absolute_ms.
  /// Errors: invalid_argument when only one of tls_cert / tls_key is set.
  static Result<ConsoleOptions> from(const NodeConfig& config);
};

class ConsoleServer {
 public:
  /// `node` and `clock` must outlive the server. Nothing is bound until start().
  ConsoleServer(Node& node, ConsoleOptions options, const Clock& clock);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  /// Where pages register (before start()). The foundation's pages are already there.
  Router& router() { return router_; }
  /// Shared state pages use (accounts, sessions, audit); valid for the server's lifetime.
  ConsoleContext& context() { return *context_; }

  /// Prepares TLS (the configured files, or a self-signed certificate generated on first start),
  /// binds and starts the threads. Errors: invalid_argument (bad listen address; plain HTTP on a
  /// non-loopback address; unreadable certificate or key), failed_precondition (cannot write the
  /// generated certificate), unavailable (port in use).
  Status start();
  /// Stops accepting, closes connections, joins the threads. Idempotent.
  void stop();

  uint16_t port() const { return port_; }
  /// "https://HOST:PORT/" (or http://); a wildcard host is shown as the machine's host name.
  std::string url() const;
  /// SHA-256 fingerprint of the served certificate ("AB:CD:…"), "" on plain HTTP.
  const std::string& fingerprint() const { return fingerprint_; }
  /// True when this start generated the self-signed certificate.
  bool generated_certificate() const { return generated_; }

 private:
  struct Impl;
  Node& node_;
  ConsoleOptions options_;
  Router router_;
  SessionStore sessions_;
  PasswordHasher hasher_;
  LoginGuard guard_;
  std::unique_ptr<ConsoleContext> context_;
  std::unique_ptr<Impl> impl_;
  std::vector<std::thread> threads_;
  std::string host_, fingerprint_;
  uint16_t port_ = 0;
  bool generated_ = false;
};

/// Adds every page of the console to `router`: the foundation's (login, overview, registry,
/// audit, users) and each later section's. A new section adds ONE line in console_pages.cc.
void register_pages(Router& router);

}  // namespace mhero::console
