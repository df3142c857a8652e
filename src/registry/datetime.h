// xsd:dateTime as used in CSD record/@updated ("2014-12-01T14:00:00+00:00").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mhero::registry {

/// Parses YYYY-MM-DDTHH:MM:SS[.fraction][Z|(+|-)HH:MM] (a missing zone means UTC) into seconds
/// since the Unix epoch. nullopt for anything else, including impossible dates such as
/// "0000-00-00T00:00:00" found in real exports. Fractions are truncated.
std::optional<std::chrono::sys_seconds> parse_xsd_datetime(std::string_view text);

/// "2014-12-01T14:00:00+00:00" (UTC).
std::string format_xsd_datetime(std::chrono::sys_seconds time);

}  // namespace mhero::registry
