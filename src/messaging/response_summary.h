// Summaries of health workers' answers for the Responses and Message pages: per result key the
// counts per category, and for numeric keys (every answer a number, e.g. a stock level) the
// minimum, median, maximum and a histogram; the responses per hour since a message was sent.
// Fed one response at a time (add()), so it works on a streamed scan; memory grows with the
// distinct categories and, for numeric keys, one double per answer (for the median).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "messaging/message_codec.h"

namespace mhero {

struct HistogramBin {
  double low = 0, high = 0;  // [low, high), the last bin [low, high].
  size_t count = 0;
};

struct KeySummary {
  std::string key;                                       // RapidPro result name, e.g. "stock".
  size_t answers = 0;                                    // Responses with a value for it.
  std::vector<std::pair<std::string, size_t>> categories;  // Most frequent first (ties: by name).
  bool numeric = false;                                  // Every non-empty value is a number.
  double min = 0, median = 0, max = 0;                   // numeric only.
  std::vector<HistogramBin> histogram;                   // numeric only.
};

struct AnswerSummary {
  size_t responses = 0;
  size_t text_replies = 0;     // Replies outside a flow (no values, raw text only).
  size_t workers = 0;          // Distinct health workers who answered.
  std::vector<KeySummary> keys;  // By key name.
  /// Responses per hour since `since_ms` given to finish(): index 0 = the first hour. Answers
  /// before it count in hour 0; empty when since_ms is 0.
  std::vector<size_t> per_hour;
};

/// The number in `text` ("12", "-3.5", " 7 "), or nullopt when it is not exactly one finite number.
std::optional<double> answer_number(std::string_view text);
/// Median of `values` (sorted in place); 0 when empty.
double median_of(std::vector<double>& values);
/// At most `max_bins` equal-width bins over [min, max]; one bin per integer when the values
/// are integers spanning fewer than max_bins values; one bin when min == max. `values` any order.
std::vector<HistogramBin> histogram_of(const std::vector<double>& values, size_t max_bins = 10);

class AnswerSummaryBuilder {
 public:
  void add(const ResponseRecord& r);
  /// The summary; `since_ms` (Unix ms, e.g. the first send) anchors per_hour, `max_hours` caps it
  /// (later answers count in the last hour shown).
  AnswerSummary finish(int64_t since_ms, size_t max_hours = 14 * 24);

 private:
  struct Key {
    size_t answers = 0;
    std::map<std::string, size_t> categories;
    std::vector<double> numbers;
    bool numeric = true;
  };
  size_t responses_ = 0, text_replies_ = 0;
  std::set<std::string> workers_;
  std::map<std::string, Key> keys_;
  std::vector<int64_t> times_;
};

}  // namespace mhero
