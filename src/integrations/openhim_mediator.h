// What the central node tells OpenHIM about itself (POST /mediators; OpenHIM
// docs/dev-guide/mediators.md, jembi/openhim-core-js src/model/mediators.js), and how it takes
// config back from a heartbeat reply.
//
// Polling channels (defaultChannelConfig; installed by `mhero openhim install-channels`), each
// with one route to a trigger on [openhim] listen, Basic auth = the trigger credentials:
//   "mHero sync - registry pull"  GET /trigger/registry-pull  registry_pull_schedule ("15 07,13 * * *")
//   "mHero sync - dispatch"       GET /trigger/dispatch       dispatch_schedule ("1 minutes")
//   "mHero sync - responses"      GET /trigger/responses      responses_schedule ("5 minutes")
// configDefs: two structs staff may change in the OpenHIM console, applied without a restart:
//   openinfoman {url, username, password (password), provider_document, timeout_ms (number)}
//   rapidpro    {url, token (password), poll_interval_ms, timeout_ms (number)}
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "integrations/openhim_config.h"
#include "util/status.h"

namespace mhero::integrations {

inline constexpr const char* kChannelRegistryPull = "mHero sync - registry pull";
inline constexpr const char* kChannelDispatch = "mHero sync - dispatch";
inline constexpr const char* kChannelResponses = "mHero sync - responses";

/// The registration document: urn, semver `version`, name, description, endpoints,
/// defaultChannelConfig, configDefs and `config` (the current values of `table`).
nlohmann::json mediator_document(const OpenHimConfig& config, const toml::table& table, const std::string& version);

/// The mediator `config` object for the configDefs keys of `table`.
nlohmann::json mediator_config(const toml::table& table);

/// `table` with the values of a heartbeat's `config` applied. Each struct field must be a
/// configDefs key with the key table's type (node/config_keys.h: a string, or an integer number
/// within range); "**********" (a masked password) keeps the current value; the result must
/// pass check_config and the [rapidpro] / [openinfoman] readers. Errors: invalid_argument
/// listing every problem ("openinfoman.timeout_ms: …"); `table` is never changed.
Result<toml::table> apply_mediator_config(const toml::table& table, const nlohmann::json& config);

}  // namespace mhero::integrations
