// Counts in English text: "1 correction", "3 corrections".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mhero {

/// `n` and the noun in the form `n` takes: `one` for 1, else `many` (default: `one` + "s").
/// counted(1, "correction") == "1 correction"; counted(0, "batch", "batches") == "0 batches".
inline std::string counted(uint64_t n, std::string_view one, std::string_view many = {}) {
  std::string out = std::to_string(n) + " ";
  if (n == 1) return out.append(one);
  if (many.empty()) return out.append(one).append("s");
  return out.append(many);
}

}  // namespace mhero
