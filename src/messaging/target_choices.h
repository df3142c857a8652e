// What a compose form can target, read from the registry this node holds: cadres and skills
// (codes with the display names of their value sets, CSD SVS code lists), districts (codes with
// their organization's name), facilities (entityIDs with their names), each with the number of
// current providers that carry it. Thread-safe when the ViewReader is.
#pragma once

#include <string>
#include <vector>

#include "messaging/message_codec.h"
#include "store/view.h"
#include "util/status.h"

namespace mhero {

struct TargetChoice {
  std::string value;   // The code / entityID the target names.
  std::string label;   // Display name ("" when none is known).
  std::string detail;  // Facilities: their district code; else "".
  size_t providers = 0;  // Current providers that carry it.
  /// Of those, the ones a message can reach (registry::resolve_target's rules): not inactive, in
  /// a district, with a contact point that reaches them (a valid mobile, WhatsApp or Telegram).
  size_t reachable = 0;
  /// Facilities: choice_text leaves the value (an entityID, often a UUID, meaningless to staff)
  /// out, unless another held facility of its district has the same name.
  bool name_only = false;
};

struct TargetChoices {
  std::vector<TargetChoice> cadres, skills, districts, facilities;  // Sorted by label, then value.
};

/// Label lookup order for a cadre or skill code: the held code lists (value set display name,
/// same coding scheme first), then the label written on the provider's codedType. Errors:
/// corruption from the view.
Result<TargetChoices> target_choices(const ViewReader& views);

/// "Nurse (NURSE)", or the value alone when there is no label; a facility by its name alone
/// (TargetChoice::name_only).
std::string choice_text(const TargetChoice& c);

/// A target's codes that no provider held here carries, by kind (in the target's order).
/// entityIDs are not among them: registry::find_provider answers for those.
struct UnknownTargetCodes {
  std::vector<std::string> cadres, skills, districts, facilities;
  bool empty() const { return cadres.empty() && skills.empty() && districts.empty() && facilities.empty(); }
};

/// The codes of `target` absent from `held` (target_choices of this node's registry). None when
/// `held` has no choice at all: a node holding no registry yet leaves the target to the central
/// node. A mistyped code among good ones would otherwise be dropped without a word (values of a
/// kind are OR-ed).
UnknownTargetCodes unknown_target_codes(const TargetChoices& held, const MessageTarget& target);

/// Those of `ids` (provider entityIDs, in order) that no provider held here has. None when the
/// node holds no provider at all (the central node then resolves the target). Errors: corruption
/// from the view.
Result<std::vector<std::string>> unknown_entity_ids(const ViewReader& views, const std::vector<std::string>& ids);

/// One sentence per kind with unknown codes, for the CLI and the console alike, e.g. "no health
/// worker in this node's registry carries the cadre code \"RN2\" (it holds CHW, NURSE and 3
/// more)": at most 8 held codes, sorted (facilities: "name = entityID", in the picker's order).
/// `kind` is "cadre", "skill", "district" or "facility"; `held` the choices of that kind.
std::string unknown_codes_text(const std::string& kind, const std::vector<std::string>& unknown,
                               const std::vector<TargetChoice>& held);

/// The count a picker shows beside a choice: "134 workers" when all are reachable, else
/// "0 of 1,003 workers reachable" (a count of held records would read as reach).
std::string reach_text(const TargetChoice& c);

}  // namespace mhero
