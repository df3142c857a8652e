// ops/metrics.h: the Prometheus text exposition, exactly, and as promtool (the Prometheus
// project's own checker, Debian's `prometheus` package) judges it.
#include "ops/metrics.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "ops/promtool.h"  // tests/ops/promtool.h

using namespace mhero::ops;

TEST_CASE("metrics render counters, gauges and histograms in the text format", "[ops]") {
  Metrics m;
  m.counter("mhero_sync_sessions_total", "Sync sessions.", {{"peer", "D01"}, {"outcome", "ok"}}).inc();
  m.counter("mhero_sync_sessions_total", "Sync sessions.", {{"peer", "D01"}, {"outcome", "ok"}}).inc(2);
  m.counter("mhero_sync_sessions_total", "Sync sessions.", {{"peer", "D02"}, {"outcome", "failed"}}).inc();
  m.gauge("mhero_disk_free_bytes", "Free bytes.").set(1.5e9);
  auto& h = m.histogram("mhero_rapidpro_request_duration_seconds", "Durations.", {{"endpoint", "runs.json"}},
                        {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(3);
  CHECK(m.render() ==
        "# HELP mhero_disk_free_bytes Free bytes.\n"
        "# TYPE mhero_disk_free_bytes gauge\n"
        "mhero_disk_free_bytes 1500000000\n"
        "# HELP mhero_rapidpro_request_duration_seconds Durations.\n"
        "# TYPE mhero_rapidpro_request_duration_seconds histogram\n"
        "mhero_rapidpro_request_duration_seconds_bucket{endpoint=\"runs.json\",le=\"0.1\"} 1\n"
        "mhero_rapidpro_request_duration_seconds_bucket{endpoint=\"runs.json\",le=\"1\"} 2\n"
        "mhero_rapidpro_request_duration_seconds_bucket{endpoint=\"runs.json\",le=\"+Inf\"} 3\n"
        "mhero_rapidpro_request_duration_seconds_sum{endpoint=\"runs.json\"} 3.55\n"
        "mhero_rapidpro_request_duration_seconds_count{endpoint=\"runs.json\"} 3\n"
        "# HELP mhero_sync_sessions_total Sync sessions.\n"
        "# TYPE mhero_sync_sessions_total counter\n"
        "mhero_sync_sessions_total{peer=\"D01\",outcome=\"ok\"} 3\n"
        "mhero_sync_sessions_total{peer=\"D02\",outcome=\"failed\"} 1\n");
}

TEST_CASE("label values are escaped and a counter never goes down", "[ops]") {
  CHECK(render_labels({{"note", "a \"quoted\"\\path\nline"}}) == "{note=\"a \\\"quoted\\\"\\\\path\\nline\"}");
  Metrics m;
  auto& c = m.counter("mhero_x_total", "X.");
  c.inc(5);
  c.inc(-3);
  c.inc(0);
  CHECK(c.value() == 5);
}

TEST_CASE("counters add up across threads", "[ops]") {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 10000; ++i) m.counter("mhero_n_total", "N.", {{"k", "v"}}).inc();
    });
  }
  for (auto& t : threads) t.join();
  CHECK(m.counter("mhero_n_total", "N.", {{"k", "v"}}).value() == 40000);
}

TEST_CASE("promtool accepts what we render and refuses a broken exposition", "[ops]") {
  Metrics m;
  m.counter("mhero_bundle_imports_total", "Bundles imported.").inc();
  m.gauge("mhero_store_size_bytes", "Bytes on disk.").set(123456);
  m.histogram("mhero_registry_pull_duration_seconds", "Pulls.", {{"source", "openinfoman"}}).observe(2.5);
  auto ok = promtool_check(m.render());
  INFO(ok.output);
  CHECK(ok.code == 0);
  // The checker is real: a counter without _total and a sample without its TYPE fail it.
  auto bad = promtool_check("# HELP mhero_bad Bad.\n# TYPE mhero_bad counter\nmhero_bad 1\n");
  CHECK(bad.code != 0);
  CHECK_THAT(bad.output, Catch::Contains("_total"));
}
