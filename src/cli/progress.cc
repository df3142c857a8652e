#include "cli/progress.h"

#include <cstdio>
#include <string>

#include "cli/io.h"

namespace mhero::cli {

ProgressBar ProgressBar::for_stderr() { return ProgressBar(terminal().is_terminal(Terminal::Stream::err)); }

void ProgressBar::update(uint64_t entries, uint64_t total_entries, uint64_t bytes, uint64_t total_bytes) {
  if (!enabled_) return;
  // A UI refresh rate, not program logic: the steady clock is read directly here.
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100) && entries < total_entries) return;
  last_ = now;
  drawn_ = true;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? static_cast<double>(entries) / secs : 0;
  double fraction = total_bytes ? static_cast<double>(bytes) / static_cast<double>(total_bytes) : 1.0;
  if (fraction > 1) fraction = 1;
  double left = rate > 0 ? static_cast<double>(total_entries - std::min(entries, total_entries)) / rate : 0;
  constexpr int kWidth = 30;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  char line[256];
  std::snprintf(line, sizeof line, "\r[%s] %llu/%llu entries  %.1f/%.1f MB  %.0f entries/s  %.0f s left   ", bar.c_str(),
               static_cast<unsigned long long>(entries), static_cast<unsigned long long>(total_entries),
               static_cast<double>(bytes) / 1e6, static_cast<double>(total_bytes) / 1e6, rate, left);
  cli::err() << line << std::flush;
}

void ProgressBar::finish() {
  if (!enabled_ || !drawn_) return;
  char line[256];
  std::snprintf(line, sizeof line, "\r%100s\r", "");
  cli::err() << line << std::flush;
}

}  // namespace mhero::cli
