#include "registry/registry_config.h"

#include "registry/phone.h"

namespace mhero::registry {

Result<RegistryConfig> RegistryConfig::from(const NodeConfig& config) {
  RegistryConfig c;
  c.default_region = string_or(config.table, "registry", "default_region", c.default_region);
  if (!PhoneNormalizer(c.default_region).region_supported()) {
    return invalid_argument("config [registry] default_region: '" + c.default_region +
                            "' is not a region libphonenumber knows (e.g. \"LR\")");
  }
  c.rules.authority = string_or(config.table, "registry", "district_authority", c.rules.authority);
  c.rules.address_component =
      string_or(config.table, "registry", "district_address_component", c.rules.address_component);
  int64_t chunk = int_or(config.table, "registry", "chunk_records_count", 500);
  if (chunk < 1 || chunk > 100000) {
    return invalid_argument("config [registry] chunk_records_count: must be 1..100000, got " +
                            std::to_string(chunk));
  }
  c.chunk_records = static_cast<size_t>(chunk);
  return c;
}

}  // namespace mhero::registry
