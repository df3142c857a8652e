// The fleet queries' results as JSON (fleet_query.h), for `mhero districts --json`,
// `mhero alarms --json` and the console. Field names are the structs' member names; times are
// Unix ms ("…_ms") plus an ISO 8601 twin ("…_at") where a page shows them; node ids 64 hex.
#pragma once

#include <nlohmann/json.hpp>

#include "fleet/fleet_query.h"

namespace mhero::fleet {

nlohmann::json to_json(const Contact& contact);
nlohmann::json to_json(const DistrictRow& row);
nlohmann::json to_json(const StatusRecord& status);
nlohmann::json to_json(const DistrictDetail& detail);
nlohmann::json to_json(const Alarm& alarm);

}  // namespace mhero::fleet
