// A node's config.toml (TOML v1.0, read with toml++). The [node] table is parsed here; each
// subsystem parses its own table from `table` (e.g. [sync], [openinfoman], [rapidpro]). Every
// section and key is listed once, with type, unit, range, default and meaning, in
// node/config_keys.h; load() refuses anything else, so every command rejects a bad file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <toml++/toml.h>

#include "identity/node_id.h"
#include "util/status.h"

namespace mhero {

enum class Role { central, district };

const char* role_name(Role role);
std::optional<Role> parse_role(std::string_view text);

struct NodeConfig {
  Role role = Role::district;
  std::string district;                // District code; empty on the central node.
  std::optional<NodeId> central_key;   // Pinned central node id (districts); own id on central.
  toml::table table;                   // The whole file, for subsystems' own tables.

  /// Reads and validates `path`: TOML syntax, then every section and key against
  /// node/config_keys.h (unknown names, with a suggestion for near misses; wrong types; values out
  /// of range), then the [node] rules. Errors: not_found; invalid_argument naming the file, line
  /// and column of a TOML syntax error, or listing every problem one per line with file:line.
  static Result<NodeConfig> load(const std::filesystem::path& path);

  /// The text `mhero init` writes: [node] filled in, every other table present with its
  /// defaults, each key commented with its unit.
  static std::string initial_text(Role role, const std::string& district, const NodeId& central_key);
};

/// Reads an optional string key of a subsystem table, e.g. string_or(cfg.table, "rapidpro",
/// "token", ""). The key must be listed in node/config_keys.h with that type (asserted).
std::string string_or(const toml::table& table, std::string_view section, std::string_view key,
                      std::string fallback);
int64_t int_or(const toml::table& table, std::string_view section, std::string_view key,
               int64_t fallback);

}  // namespace mhero
