// ops/metrics_server.h + node_metrics.h: a real node on disk, /metrics over loopback HTTP, the
// bearer token, and the [metrics] settings refused with what to do.
#include "ops/metrics_server.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <toml++/toml.h>

#include "net/http_client.h"
#include "node/node.h"
#include "ops/counted_arrivals.h"
#include "ops/node_metrics.h"
#include "ops/promtool.h"  // tests/ops/promtool.h
#include "support/temp_dir.h"
#include "util/clock.h"

using namespace mhero;
using mhero::testing::TempDir;

namespace {

// A central node whose config.toml has `metrics` as its [metrics] table.
std::unique_ptr<Node> central_node(const TempDir& dir, const ManualClock& clock, const std::string& metrics = "") {
  NodePaths paths{dir / "central"};
  REQUIRE(Node::init(paths, Role::central, "", std::nullopt).ok());
  if (!metrics.empty()) {
    auto config = toml::parse_file(paths.config().string());
    config.insert_or_assign("metrics", toml::parse(metrics));
    std::ofstream(paths.config()) << config << "\n";
  }
  auto node = Node::open(paths, clock);
  REQUIRE(node.ok());
  return std::move(*node);
}

void write_file(const std::filesystem::path& path, const std::string& text, unsigned mode) {
  std::ofstream(path) << text;
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

}  // namespace

TEST_CASE("/metrics serves the node's counters and gauges, and promtool accepts them", "[ops]") {
  TempDir dir;
  ManualClock clock;
  auto node = central_node(dir, clock);
  ops::CountedArrivals arrivals(nullptr, node->metrics());
  SessionFact ok;
  ok.district = "D01";
  ok.peer = node->id();
  ok.bytes_in = 1200;
  ok.bytes_out = 300;
  ok.entries_received = 7;
  REQUIRE(arrivals.session_ended(ok).ok());
  SessionFact failed = ok;
  failed.error = "cannot connect";
  failed.entries_received = 0;
  REQUIRE(arrivals.session_ended(failed).ok());

  auto options = ops::load_metrics_options(node->config(), node->paths().dir.string());
  REQUIRE(options.ok());
  CHECK(options->listen.empty());  // Off unless configured.
  options->listen = "127.0.0.1:0";
  Node& n = *node;
  auto server = ops::MetricsServer::start(*options, [&n] { return ops::render_node_metrics(n); });
  REQUIRE(server.ok());
  net::HttpClient http;
  std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  auto r = http.get(base + "/metrics");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& body = r->body;
  CHECK_THAT(body, Catch::Contains("mhero_sync_sessions_total{peer=\"D01\",direction=\"dialed\",outcome=\"ok\"} 1\n"));
  CHECK_THAT(body, Catch::Contains("mhero_sync_sessions_total{peer=\"D01\",direction=\"dialed\",outcome=\"failed\"} 1\n"));
  CHECK_THAT(body, Catch::Contains("mhero_sync_received_bytes_total{peer=\"D01\"} 2400\n"));
  CHECK_THAT(body, Catch::Contains("mhero_entries_ingested_total{via=\"sync\"} 7\n"));
  CHECK_THAT(body, Catch::Contains("mhero_info{version=\"" MHERO_VERSION "\",role=\"central\",district=\"\"} 1\n"));
  CHECK_THAT(body, Catch::Contains("mhero_store_size_bytes "));
  CHECK_THAT(body, Catch::Contains("mhero_disk_free_bytes "));
  auto check = ops::promtool_check(body);
  INFO(body << check.output);
  CHECK(check.code == 0);

  auto other = http.get(base + "/");
  REQUIRE(other.ok());
  CHECK(other->status == 404);
  auto post = http.post(base + "/metrics", "");
  REQUIRE(post.ok());
  CHECK(post->status == 405);
}

TEST_CASE("/metrics with a token answers 401 without it and 200 with it", "[ops]") {
  TempDir dir;
  ManualClock clock;
  auto node = central_node(dir, clock, "listen = \"127.0.0.1:0\"\ntoken_file = \"metrics.token\"");
  write_file(node->paths().dir / "metrics.token", "0123456789abcdef0123456789abcdef\n", 0600);
  auto options = ops::load_metrics_options(node->config(), node->paths().dir.string());
  REQUIRE(options.ok());
  CHECK(options->token == "0123456789abcdef0123456789abcdef");
  auto server = ops::MetricsServer::start(*options, [] { return std::string("# EOF\n"); });
  REQUIRE(server.ok());
  net::HttpClient http;
  std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/metrics";
  auto none = http.get(url);
  REQUIRE(none.ok());
  CHECK(none->status == 401);
  CHECK(none->header("WWW-Authenticate") == "Bearer realm=\"mhero metrics\"");
  auto wrong = http.get(url, {{"Authorization", "Bearer 0123456789abcdef0123456789abcdeX"}});
  REQUIRE(wrong.ok());
  CHECK(wrong->status == 401);
  auto right = http.get(url, {{"Authorization", "Bearer 0123456789abcdef0123456789abcdef"}});
  REQUIRE(right.ok());
  CHECK(right->status == 200);
}

TEST_CASE("[metrics] settings that would expose or break the scrape are refused with the fix", "[ops]") {
  TempDir dir;
  ManualClock clock;
  SECTION("a non-loopback listener without a token") {
    auto node = central_node(dir, clock, "listen = \"0.0.0.0:9464\"");
    auto options = ops::load_metrics_options(node->config(), node->paths().dir.string());
    REQUIRE_FALSE(options.ok());
    CHECK(options.status().code() == StatusCode::failed_precondition);
    CHECK_THAT(options.status().message(), Catch::Contains("set [metrics] token_file"));
  }
  SECTION("a token file others can read") {
    auto node = central_node(dir, clock, "listen = \"0.0.0.0:9464\"\ntoken_file = \"t\"");
    write_file(node->paths().dir / "t", "0123456789abcdef0123\n", 0644);
    auto options = ops::load_metrics_options(node->config(), node->paths().dir.string());
    REQUIRE_FALSE(options.ok());
    CHECK_THAT(options.status().message(), Catch::Contains("chmod 600"));
  }
  SECTION("a token too short to guess at") {
    auto node = central_node(dir, clock, "listen = \"127.0.0.1:9464\"\ntoken_file = \"t\"");
    write_file(node->paths().dir / "t", "secret\n", 0600);
    auto options = ops::load_metrics_options(node->config(), node->paths().dir.string());
    REQUIRE_FALSE(options.ok());
    CHECK_THAT(options.status().message(), Catch::Contains("at least 16 characters"));
  }
  SECTION("a port already in use") {
    auto node = central_node(dir, clock);
    ops::MetricsOptions options{"127.0.0.1:0", ""};
    auto first = ops::MetricsServer::start(options, [] { return std::string(); });
    REQUIRE(first.ok());
    options.listen = "127.0.0.1:" + std::to_string((*first)->port());
    auto second = ops::MetricsServer::start(options, [] { return std::string(); });
    REQUIRE_FALSE(second.ok());
    CHECK(second.status().code() == StatusCode::unavailable);
  }
}
