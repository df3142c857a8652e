// A real central node (RocksDB on disk, the standard views) with its console served over plain
// HTTP on 127.0.0.1:0, driven with the project's HTTP client. Passwords use the test-only
// minimum Argon2id cost; time is a ManualClock the tests advance.
#pragma once

#include <catch2/catch.hpp>

#include <regex>

#include "console/accounts.h"
#include "console/audit.h"
#include "console/console_server.h"
#include "net/http_client.h"
#include "node/standard_views.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace mhero::testing {

inline console::ConsoleOptions test_console_options() {
  console::ConsoleOptions o;
  o.listen = "127.0.0.1:0";
  o.plain_http = true;
  o.hash_cost = console::HashCost::test_minimum();
  o.threads = 2;
  o.max_body_bytes = 64 * 1024;
  return o;
}

/// An audit filter on user and action ("" = any).
inline console::AuditFilter by(std::string user, std::string action) {
  console::AuditFilter f;
  f.user = std::move(user);
  f.action = std::move(action);
  return f;
}

struct ConsoleFixture {
  TempDir dir;
  ManualClock clock;
  std::vector<std::unique_ptr<View>> views = make_standard_views();
  std::unique_ptr<Node> node;
  std::unique_ptr<console::ConsoleServer> server;
  std::string base;  // "http://127.0.0.1:PORT"
  net::HttpClient http;

  /// `config_edits`: (from, to) replacements made in the central node's config.toml (as `mhero
  /// init` wrote it) before it opens.
  explicit ConsoleFixture(console::ConsoleOptions options = test_console_options(),
                          const std::vector<std::pair<std::string, std::string>>& config_edits = {}) {
    NodePaths paths{dir / "central"};
    REQUIRE(Node::init(paths, Role::central, "", std::nullopt).ok());
    for (const auto& [from, to] : config_edits) replace_in_file(paths.config(), from, to);
    std::vector<View*> raw;
    for (auto& v : views) raw.push_back(v.get());
    auto opened = Node::open(paths, clock, raw);
    REQUIRE(opened.ok());
    node = std::move(opened).value();
    bool plain = options.plain_http;
    server = std::make_unique<console::ConsoleServer>(*node, std::move(options), clock);
    Status started = server->start();
    INFO(started.to_string());
    REQUIRE(started.ok());
    base = std::string(plain ? "http" : "https") + "://127.0.0.1:" + std::to_string(server->port());
  }
  ~ConsoleFixture() { server->stop(); }

  void add_user(const std::string& name, console::StaffRole role, const std::string& password) {
    console::AccountDesk desk{*node, server->context().users(), server->context().hasher(), nullptr};
    Status s = console::add_account(desk, console::Actor{"", "test"}, name, role, password);
    INFO(s.to_string());
    REQUIRE(s.ok());
  }

  net::HttpResponse get(const std::string& path, const std::string& cookie = "", net::HttpHeaders extra = {}) {
    if (!cookie.empty()) extra.emplace_back("Cookie", cookie);
    auto r = http.get(base + path, extra);
    INFO(r.status().to_string());
    REQUIRE(r.ok());
    return std::move(r).value();
  }

  net::HttpResponse post(const std::string& path, const std::string& body, const std::string& cookie = "",
                         net::HttpHeaders extra = {}) {
    extra.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    if (!cookie.empty()) extra.emplace_back("Cookie", cookie);
    auto r = http.post(base + path, body, extra);
    INFO(r.status().to_string());
    REQUIRE(r.ok());
    return std::move(r).value();
  }

  /// Logs in; returns the "name=value" of the session cookie ("" when refused).
  std::string login(const std::string& user, const std::string& password) {
    auto r = post("/login", "user=" + user + "&password=" + password);
    auto set = r.header("Set-Cookie");
    if (r.status != 303 || !set) return "";
    return set->substr(0, set->find(';'));
  }

  /// The CSRF token in a page's forms.
  static std::string csrf_of(const std::string& html) {
    std::smatch m;
    static const std::regex kCsrf(R"re(name="csrf" value="([0-9a-f]{64})")re");
    if (!std::regex_search(html, m, kCsrf)) return "";
    return m[1];
  }

  std::string csrf(const std::string& cookie) { return csrf_of(get("/", cookie).body); }

  /// Audit records held, newest first.
  std::vector<console::AuditRecord> audit(const console::AuditFilter& filter = {}) {
    std::vector<console::AuditRecord> out;
    Status s = console::scan_audit(node->store().views(), filter, "", [&](const console::AuditRecord& r, auto) {
      out.push_back(r);
      return true;
    });
    REQUIRE(s.ok());
    return out;
  }
};

}  // namespace mhero::testing
