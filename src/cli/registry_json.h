// JSON forms of registry records for `mhero registry list/show --json` and the console.
#pragma once

#include <nlohmann/json.hpp>

#include "registry/csd_types.h"

namespace mhero::cli {

nlohmann::json provider_json(const registry::ProviderRecord& p);
const char* status_name(registry::RecordStatus s);

}  // namespace mhero::cli
