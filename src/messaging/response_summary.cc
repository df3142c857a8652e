#include "messaging/response_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace mhero {

std::optional<double> answer_number(std::string_view text) {
  size_t b = text.find_first_not_of(" \t");
  if (b == std::string_view::npos) return std::nullopt;
  size_t e = text.find_last_not_of(" \t");
  std::string s(text.substr(b, e - b + 1));
  if (s.find_first_not_of("0123456789+-.eE") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

double median_of(std::vector<double>& v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<HistogramBin> histogram_of(const std::vector<double>& values, size_t max_bins) {
  std::vector<HistogramBin> bins;
  if (values.empty() || max_bins == 0) return bins;
  auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
  double lo = *lo_it, hi = *hi_it;
  if (lo == hi) return {{lo, hi, values.size()}};
  bool integers = std::all_of(values.begin(), values.end(), [](double v) { return v == std::floor(v); });
  size_t n = max_bins;
  double width = (hi - lo) / static_cast<double>(n);
  if (integers && hi - lo + 1 <= static_cast<double>(max_bins)) {
    n = static_cast<size_t>(hi - lo + 1);
    width = 1;
  }
  for (size_t i = 0; i < n; ++i) bins.push_back({lo + width * static_cast<double>(i), lo + width * static_cast<double>(i + 1), 0});
  if (!(integers && width == 1)) bins.back().high = hi;
  for (double v : values) {
    size_t i = static_cast<size_t>((v - lo) / width);
    ++bins[std::min(i, n - 1)].count;
  }
  return bins;
}

void AnswerSummaryBuilder::add(const ResponseRecord& r) {
  ++responses_;
  if (!r.entity_id.empty()) workers_.insert(r.entity_id);
  if (r.values.empty()) ++text_replies_;
  times_.push_back(r.answered_at_ms);
  for (const auto& [name, value] : r.values) {
    Key& k = keys_[name];
    ++k.answers;
    ++k.categories[value];
    if (value.empty()) continue;
    if (!k.numeric) continue;
    if (auto x = answer_number(value)) {
      k.numbers.push_back(*x);
    } else {
      k.numeric = false;
      k.numbers.clear();
      k.numbers.shrink_to_fit();
    }
  }
}

AnswerSummary AnswerSummaryBuilder::finish(int64_t since_ms, size_t max_hours) {
  AnswerSummary s;
  s.responses = responses_;
  s.text_replies = text_replies_;
  s.workers = workers_.size();
  for (auto& [name, k] : keys_) {
    KeySummary out;
    out.key = name;
    out.answers = k.answers;
    out.categories.assign(k.categories.begin(), k.categories.end());
    std::stable_sort(out.categories.begin(), out.categories.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    out.numeric = k.numeric && !k.numbers.empty();
    if (out.numeric) {
      out.histogram = histogram_of(k.numbers);
      out.median = median_of(k.numbers);  // Sorts.
      out.min = k.numbers.front();
      out.max = k.numbers.back();
    }
    s.keys.push_back(std::move(out));
  }
  if (since_ms > 0 && max_hours > 0) {
    for (int64_t t : times_) {
      int64_t hour = t <= since_ms ? 0 : (t - since_ms) / 3'600'000;
      size_t i = std::min(static_cast<size_t>(hour), max_hours - 1);
      if (s.per_hour.size() <= i) s.per_hour.resize(i + 1, 0);
      ++s.per_hour[i];
    }
  }
  return s;
}

}  // namespace mhero
