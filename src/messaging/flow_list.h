// RapidPro's flow list (API v2 flows.json) as the central node shares it: listed from RapidPro,
// written as a `flowList` entry into `national` when it changed, held in the messages view under
// `messages/flows` (the newest entry by HLC wins), so every node picks flows by NAME offline.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "identity/node_key.h"
#include "integrations/rapidpro_client.h"
#include "payload.capnp.h"
#include "store/log_store.h"
#include "store/view.h"
#include "util/clock.h"

namespace mhero {

/// One flow, as flows.json describes it.
struct FlowInfo {
  std::string uuid, name, type;  // type: "message", "voice", "background", "survey".
  bool archived = false;
  uint32_t expires_minutes = 0;
  std::vector<std::string> result_keys;
  bool operator==(const FlowInfo&) const = default;
};

struct FlowList {
  int64_t fetched_at_ms = 0;  // When the central node listed them (Unix ms).
  std::vector<FlowInfo> flows;  // In name order.
  uint64_t hlc = 0;             // Filled by the view: HLC of the entry.
};

/// One flows.json result. Errors: invalid_argument naming the missing/bad field (uuid, name).
Result<FlowInfo> flow_from_rapidpro(const nlohmann::json& item);

/// Lists every flow (following `next`), sorted by name. Errors: RapidProClient::list_all's, and
/// invalid_argument "flows.json result N: …" for a result without uuid or name.
Result<std::vector<FlowInfo>> fetch_flows(RapidProClient& client);

FlowList flow_list_from_capnp(schema::FlowList::Reader r);
void flow_list_to_capnp(const FlowList& l, schema::FlowList::Builder b);
nlohmann::json flow_list_to_json(const FlowList& l);
FlowList flow_list_from_json(const nlohmann::json& j);

/// The list held here (the newest flowList entry); nullopt when none arrived yet. Errors: corruption.
Result<std::optional<FlowList>> held_flows(const ViewReader& views);

/// Writes a flowList entry into (key, "national") when `flows` differ from the held list.
/// Returns whether it wrote. Errors: from the store.
Result<bool> share_flows(LogStore& store, const NodeKey& key, const Clock& clock, std::vector<FlowInfo> flows);

/// The active (not archived) flow named `name` (case-insensitive, surrounding spaces ignored).
/// Errors: not_found "no flow named '…'" (listing the names held), invalid_argument when two
/// active flows share the name (give the UUID).
Result<FlowInfo> flow_by_name(const FlowList& list, const std::string& name);

}  // namespace mhero
