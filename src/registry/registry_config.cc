#include "registry/registry_config.h"

#include "registry/phone.h"

namespace mhero::registry {

namespace {

/// district_map: resolved from `base`, its rows loaded into c.rules.map.
Status load_configured_map(RegistryConfig& c, const std::string& map, const std::filesystem::path& base) {
  if (map.empty()) return {};
  c.district_map = map.front() == '/' || base.empty() ? std::filesystem::path(map) : base / map;
  auto rows = load_district_map(c.district_map);
  if (!rows.ok()) return rows.status().with_context("config [registry] district_map");
  c.rules.map = std::move(rows).value();
  return {};
}

}  // namespace

Result<RegistryConfig> RegistryConfig::from(const NodeConfig& config, const std::filesystem::path& base) {
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
  c.max_moved_percent = static_cast<int>(int_or(config.table, "registry", "max_moved_percent", 10));
  c.max_removed_percent = static_cast<int>(int_or(config.table, "registry", "max_removed_percent", 10));
  c.pull_interval = std::chrono::milliseconds(int_or(config.table, "registry", "pull_interval_ms", 0));
  if (auto codes = config.table["registry"]["contact_point_codes"].as_array()) {
    c.contact_point_codes.clear();
    for (size_t i = 0; i < codes->size(); ++i) {
      std::string item = (*codes)[i].value_or(std::string());
      auto eq = item.find('=');
      auto channel = eq == std::string::npos ? std::nullopt : parse_channel(item.substr(eq + 1));
      if (eq == 0 || !channel) {
        return invalid_argument("config [registry] contact_point_codes item " + std::to_string(i + 1) + " '" + item +
                                "': write CODE=CHANNEL with CHANNEL sms, whatsapp or telegram (e.g. \"WA=whatsapp\")");
      }
      c.contact_point_codes[item.substr(0, eq)] = *channel;
    }
  }
  MHERO_RETURN_IF_ERROR(load_configured_map(c, string_or(config.table, "registry", "district_map", ""), base));
  return c;
}

}  // namespace mhero::registry
