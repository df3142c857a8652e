// The benchmarks' reference records (../shared/data/bench/*.jsonl): one record a line.
// Benchmarks only; never part of the tests.
#pragma once

#include <fstream>
#include <string>
#include <vector>

namespace mhero::bench {

/// The non-empty lines of `path`, in order (none when it cannot be read).
inline std::vector<std::string> load_records(const std::string& path) {
  std::vector<std::string> records;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) records.push_back(line);
  }
  return records;
}

}  // namespace mhero::bench
