// The [registry] table of config.toml (README.md documents each key).
#pragma once

#include <string>

#include "node/config.h"
#include "registry/district.h"

namespace mhero::registry {

struct RegistryConfig {
  std::string default_region = "LR";  // default_region: ISO 3166-1 region for local numbers.
  DistrictRules rules;                // district_authority, district_address_component.
  size_t chunk_records = 500;         // chunk_records_count: records per registry entry.

  /// Reads [registry] from `config.table`, defaults for absent keys. Errors: invalid_argument
  /// naming the key (unknown region, chunk_records_count < 1).
  static Result<RegistryConfig> from(const NodeConfig& config);
};

}  // namespace mhero::registry
