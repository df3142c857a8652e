// Validation of a whole config.toml against node/config_keys.h, run by NodeConfig::load when any
// command opens the node, so a misspelt key or a wrong type is refused by every command, not only
// by the one that reads it.
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

namespace mhero {

/// Every problem in `table` (parsed from `file`), in file order, each one line naming the file
/// and line, the section and key, and what is expected (type, unit, range) — with a suggestion
/// for a near-miss name ("unknown key `poll_intervall_ms` in [rapidpro] at config.toml:14; did you
/// mean `poll_interval_ms`?"). Values of free-text keys (passwords, tokens) are never echoed.
/// Empty when the file is acceptable. Absent keys are fine (defaults apply).
std::vector<std::string> check_config(const toml::table& table, const std::string& file);

/// The closest of `candidates` to `name` when it is a plausible typo (edit distance at most 1,
/// 2 or 3 depending on the length), else "".
std::string nearest_name(std::string_view name, const std::vector<std::string_view>& candidates);

}  // namespace mhero
