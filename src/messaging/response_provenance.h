// Provenance of a health worker's answer (DESIGN.md "Corrections, provenance, node health"), in
// the same steps as a registry record's (registry/provenance.h, whose arrival code it reuses):
//   arrival   how the response entry reached this node (written here; a sync session with which
//             peer and when; a bundle: which, exported by whom, relayed through which node)
//   entry     which entry carries it (feed, seq, author) and when the central node wrote it,
//             i.e. when it polled RapidPro
//   proposal  the registry correction a validation-flow run proposed from it (validation.h), if
//             this node holds one
//   source    the RapidPro run (uuid, flow start, contact) or incoming message it came from, and
//             when the health worker answered
// Newest first; steps of unknown time last.
#pragma once

#include <string_view>
#include <vector>

#include "identity/node_id.h"
#include "registry/provenance.h"
#include "store/log_store.h"

namespace mhero {

/// The chain of the response whose RapidPro source id is `source_id` ("run:<uuid>" or
/// "msg:<id>", as `mhero responses list --json` prints it). `self` is this node's id.
/// Errors: not_found when no such response is held here; corruption from the store.
Result<std::vector<registry::ProvenanceStep>> response_provenance(const LogStore& store, const NodeId& self,
                                                                  std::string_view source_id);

}  // namespace mhero
