// What `mhero status` shows, as JSON: per peer (last successful sync, entries ahead/behind, last
// error) and per feed (frontier). `mhero run` also writes it to `<node dir>/sync-status.json`
// (atomically, whenever something changed), so `mhero status` can answer while the daemon holds
// the store's lock.
//
// {"node": hex, "role": "central"|"district", "district": code, "written_at": ISO time,
//  "peers": [{"peer", "address", "node", "role", "district", "last_success", "last_attempt",
//             "entries_ahead", "entries_behind", "last_error"}],
//  "feeds": [{"author": hex, "scope", "seq"}]}
// A peer's "role" is the one it announced, or before any session reached it (its "node" is "")
// the role expected of it (replication/peer_status.h expected_role): "central" on a district
// node, "unknown" on the central node.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

#include "node/config.h"
#include "store/log_store.h"
#include "util/clock.h"

namespace mhero {

nlohmann::json status_report(const LogStore& store, const NodeConfig& config, const NodeId& self, const Clock& clock);

/// Writes `report` to `path` via a temporary file and rename. Errors: failed_precondition.
Status write_status_file(const std::filesystem::path& path, const nlohmann::json& report);

}  // namespace mhero
