// A one-line progress bar on stderr for long imports: entries, bytes, rate and time left.
// Drawn only when stderr is a terminal; on a pipe or file it prints nothing.
#pragma once

#include <chrono>
#include <cstdint>

namespace mhero::cli {

class ProgressBar {
 public:
  /// `enabled` false makes every call a no-op; use ProgressBar::for_stderr() for the default.
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  static ProgressBar for_stderr();

  /// Redraws (at most ten times a second) with `done` of `total` entries and bytes.
  void update(uint64_t entries, uint64_t total_entries, uint64_t bytes, uint64_t total_bytes);
  /// Clears the line.
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace mhero::cli
