// Counters, gauges and histograms for `/metrics`, in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). One Metrics per node, owned by
// Node (node.metrics()) and passed to what records (STYLE.md 2: no global registry).
//
// Names follow Prometheus conventions: `mhero_` prefix, base units in the name (`_seconds`,
// `_bytes`), counters end in `_total`. Label values must stay few (district codes, outcomes,
// endpoint names): never an entityID, a phone number or a name (README "Monitoring").
//
//   Counter& sessions = metrics.counter("mhero_sync_sessions_total", "Sync sessions that ended.",
//                                       {{"peer", "D01"}, {"outcome", "ok"}});
//   sessions.inc();
//
// Thread-safety: every method may be called from any thread. The references returned stay valid
// as long as the Metrics object.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mhero::ops {

/// Label name/value pairs of one series, e.g. {{"peer", "D01"}, {"outcome", "ok"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// A value that only goes up (resets when the process restarts).
class Counter {
 public:
  void inc(double by = 1.0);  // `by` < 0 is ignored (a counter never decreases).
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// A value set to the current measurement.
class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// Observations counted into cumulative buckets (`le` upper bounds), with their sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // Per bound, then +Inf (= count).
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  mutable std::mutex mu_;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // Per bucket (not cumulative), last = above every bound.
  double sum_ = 0;
};

/// Bucket bounds for latencies in seconds: 5 ms … 60 s (HTTP calls over slow links).
std::vector<double> latency_buckets_seconds();

class Metrics {
 public:
  /// The series `name{labels}`, made on first use. `help` is used the first time the name is
  /// seen. A name used with another type is a programming error (asserted).
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, const Labels& labels = {},
                       std::vector<double> bounds = latency_buckets_seconds());

  /// Every series, families sorted by name, series by labels: "# HELP", "# TYPE", samples.
  std::string render() const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // Key: rendered label set.
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(std::string_view name, std::string_view help, Type type);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
};

/// `{a="1",b="x\"y"}` (empty labels: ""): label values escaped as the exposition format says
/// (backslash, double quote, line feed).
std::string render_labels(const Labels& labels);

}  // namespace mhero::ops
