// Every section and key config.toml may hold, in one table: name, type, unit, range, default and
// meaning. NodeConfig::load refuses a file with a key or section not listed here, a value of the
// wrong type or outside its range (node/config_check.cc); README.md's config table is this table
// (tests/node/config_keys_test.cc compares them). A subsystem that reads a new key adds it here
// first: string_or/int_or assert that the key they read is listed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mhero {

enum class ConfigType { string, integer, string_list };

/// Extra rule a string value (or each element of a string list) must follow.
enum class StringRule {
  any,
  role,           // "central" or "district".
  district_code,  // "" or a district code (store/scope.h valid_district_code).
  node_id,        // "" or 64 hex characters.
  host_port,      // "" or HOST:PORT, port 0-65535; IPv6 in brackets; no scheme, no spaces.
  peer,           // HOST:PORT as host_port, port 1-65535 (a list: no "").
  url,            // "" or an absolute http:// or https:// URL (net/url.h).
  ip_address,     // "" or an IPv4 or IPv6 address literal (no port, no brackets, no name).
};

struct ConfigKey {
  std::string_view section;       // Table name, e.g. "sync".
  std::string_view key;           // Key inside it, e.g. "batch_bytes".
  ConfigType type;
  std::string_view unit;          // "ms", "bytes", "count" or "" (the key's name ends in it).
  int64_t min = 0, max = 0;       // Integers: the accepted range, inclusive.
  StringRule rule = StringRule::any;
  std::string_view default_text;  // As README.md shows it (Markdown).
  std::string_view meaning;       // One line for README.md (Markdown).
};

/// The table, in README order (sections node, registry, openinfoman, mcsd, rapidpro, openhim, dhis2, sync,
/// console, metrics, log).
std::span<const ConfigKey> config_keys();

/// The entry for `section`.`key`, or nullptr when config.toml may not hold it.
const ConfigKey* find_config_key(std::string_view section, std::string_view key);

/// Whether `section` is a known table.
bool known_config_section(std::string_view section);

/// "string", "integer" or "list of strings".
const char* config_type_name(ConfigType type);

/// The Markdown table README.md carries under "## config.toml" (header included, one row per
/// key, each line ending in '\n').
std::string config_keys_markdown();

}  // namespace mhero
