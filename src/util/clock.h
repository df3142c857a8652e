// Time as a seam (STYLE.md 2, 3): code that needs "now" takes a Clock&; only main builds the
// SystemClock, tests use ManualClock and advance it instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace mhero {

/// Wall-clock time since the Unix epoch. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::milliseconds now() const = 0;
};

/// The real clock (std::chrono::system_clock).
class SystemClock final : public Clock {
 public:
  std::chrono::milliseconds now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
  }
};

/// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::milliseconds start = std::chrono::milliseconds(1'700'000'000'000))
      : now_ms_(start.count()) {}
  std::chrono::milliseconds now() const override { return std::chrono::milliseconds(now_ms_.load()); }
  void advance(std::chrono::milliseconds d) { now_ms_ += d.count(); }
  void set(std::chrono::milliseconds t) { now_ms_ = t.count(); }

 private:
  std::atomic<long long> now_ms_;
};


/// ISO 8601 UTC text ("2026-11-30T19:12:00Z") of Unix milliseconds, to the second; "never" for 0.
inline std::string iso_time_ms(int64_t ms) {
  if (ms == 0) return "never";
  time_t secs = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace mhero
