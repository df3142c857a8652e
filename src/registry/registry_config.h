// The [registry] table of config.toml (README.md documents each key): phone region, district
// scoping (kept in the node, so every import and pull scopes alike) and the moved-share guard.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "node/config.h"
#include "registry/district.h"
#include "registry/phone.h"

namespace mhero::registry {

struct RegistryConfig {
  std::string default_region = "LR";  // default_region: ISO 3166-1 region for local numbers.
  /// district_authority, district_address_component, and the district_map file's rows.
  DistrictRules rules;
  /// district_map as resolved (absolute, or relative to the process's directory when `base` was
  /// empty); empty when unset.
  std::filesystem::path district_map;
  size_t chunk_records = 500;         // chunk_records_count: records per registry entry.
  int max_moved_percent = 10;         // max_moved_percent: 0..100, 100 = no guard.
  int max_removed_percent = 10;       // max_removed_percent: 0..100, 100 = no guard.
  std::chrono::milliseconds pull_interval{0};  // pull_interval_ms: 0 = no pull in `mhero run`.
  /// contact_point_codes: CSD contactPoint codes and the channel each reaches ("BP" = sms).
  PhoneNormalizer::ContactPointCodes contact_point_codes{{"BP", Channel::sms}};

  /// The normaliser every import and pull of this node uses (default_region, contact_point_codes).
  PhoneNormalizer normalizer() const { return PhoneNormalizer(default_region, contact_point_codes); }

  /// Reads [registry] from `config.table`, defaults for absent keys, and loads district_map (a
  /// relative path is taken from `base`, the node directory). Errors: invalid_argument naming the
  /// key (unknown region, chunk_records_count < 1, a contact_point_codes item not "CODE=channel"
  /// with channel sms, whatsapp or telegram), the map's errors with context
  /// "config [registry] district_map" (not_found when the file is gone, invalid_argument PATH:LINE).
  static Result<RegistryConfig> from(const NodeConfig& config, const std::filesystem::path& base = {});
};

}  // namespace mhero::registry
