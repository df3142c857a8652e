// Which health workers' answers become which DHIS2 aggregate data values: the [dhis2]
// mapping_file (TOML), one [[value]] table per (flow, result key):
//
//   [[value]]
//   flow = "Stock survey"            # RapidPro flow: uuid or name, as the message names it
//   result = "stock_level"           # the run's result key (RapidPro runs.json values)
//   data_element = "sTkLvl00001"     # DHIS2 data element uid
//   category_option_combo = ""       # "" = the data element's default combo
//   period = "weekly"                # weekly (ISO week, "2026W49") or monthly ("202612")
//   aggregation = "last"             # last, sum or mean over the facility's workers
//
// The org unit is the answering worker's facility (its first), as DHIS2 knows it
// (integrations/dhis2_pull.h). Each worker counts once per period with their latest answer, so a
// corrected answer replaces the earlier one; then `last` takes the latest worker's answer,
// `sum` and `mean` the numbers of all of them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace mhero::integrations {

enum class Dhis2Period { weekly, monthly };
enum class Dhis2Aggregation { last, sum, mean };

struct Dhis2ValueRule {
  std::string flow, result, data_element, category_option_combo;
  Dhis2Period period = Dhis2Period::monthly;
  Dhis2Aggregation aggregation = Dhis2Aggregation::last;
};

/// Reads the mapping file. Errors: not_found (unreadable), invalid_argument "PATH: …" naming
/// the TOML error (line) or the [[value]] (1-based) and key that is missing or not one of the
/// names above; a file without any [[value]]; two [[value]]s with the same data element and
/// category option combo (one data value per period and org unit).
Result<std::vector<Dhis2ValueRule>> load_dhis2_mapping(const std::filesystem::path& path);

/// The DHIS2 period of Unix ms `at_ms` (UTC): "2026W49" (ISO 8601 week; its year is the
/// week's) or "202612".
std::string dhis2_period(Dhis2Period type, int64_t at_ms);

/// `text` as a number (decimal, optional sign and fraction); nullopt otherwise.
std::optional<double> dhis2_number(const std::string& text);
/// A number as DHIS2 stores it: "12", "12.5", "0.3333" (at most 4 decimals, no trailing zeros).
std::string dhis2_number_text(double v);

const char* to_string(Dhis2Aggregation a);
const char* to_string(Dhis2Period p);

}  // namespace mhero::integrations
