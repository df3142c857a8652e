// The corrections view: every registryCorrection this node holds and the central node's
// decision on it (schema/payload.capnp RegistryCorrection, CorrectionDecision), folded so that
// any arrival order gives the same view.
//
// Keys (views column family; schema/README.md "Corrections"):
//   corrections/c/<id>                 JSON of the correction (registry/correction.h to_json),
//                                      with its decision once one is held
//   corrections/e/<entityID>\0<id>     "" per correction, by provider
//   corrections/d/<id>                 JSON of a decision whose correction is not held yet
//                                      (a view rebuild replays feeds in feed order)
// The first decision of a correction wins; later ones (the central node never writes two) are
// ignored.
#pragma once

#include <optional>

#include "identity/node_id.h"
#include "registry/correction.h"
#include "store/view.h"

namespace mhero::registry {

inline constexpr std::string_view kCorrectionsView = "corrections";

std::string correction_key(std::string_view id);
std::string correction_entity_prefix(std::string_view entity_id);

class CorrectionView final : public View {
 public:
  std::string_view name() const override { return kCorrectionsView; }
  int version() const override { return 1; }
  /// Folds registryCorrection and correctionDecision entries; ignores every other kind.
  /// Errors: corruption when a held value does not parse.
  Status apply(const Entry& entry, ViewBatch& batch) override;
};

/// Reads a correctionDecision entry: the decision and the id of the correction it names.
/// nullopt for any other kind or a malformed author.
std::optional<std::pair<std::string, Decision>> decision_from_entry(const Entry& entry);

/// Ingest check (node/admission.h) for correctionDecision entries; ok for any other kind.
/// permission_denied when the author is not `central` (nullopt: not checked) or the decision
/// names no valid correction author. A decision for a correction not held yet is admitted (feeds
/// arrive in any order); the view keeps it pending and applies it when the correction arrives.
Status admit_decision(const Entry& entry, const ViewReader& state, const std::optional<NodeId>& central);

}  // namespace mhero::registry
