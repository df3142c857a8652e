// Timestamps as RapidPro API v2 writes them: ISO 8601 UTC with microseconds,
// "2015-11-11T08:30:24.922024+00:00" (also accepted: "Z", fewer fraction digits, none).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mhero {

/// Unix ms -> "YYYY-MM-DDTHH:MM:SS.mmm000+00:00".
std::string format_rapidpro_time(std::chrono::milliseconds t);

/// Parses a UTC ISO 8601 timestamp (offset must be Z or +00:00). Errors: invalid_argument
/// naming the text.
Result<std::chrono::milliseconds> parse_rapidpro_time(std::string_view text);

}  // namespace mhero
