// HTML of the compose page (`/compose`): the form with its target pickers, the reach preview
// (also served alone as a fragment for the page's script) and the confirmation step. Pure
// rendering: the routes in pages_compose.cc read the store and pass what is shown.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "console/compose_form.h"
#include "console/html.h"
#include "messaging/flow_list.h"
#include "messaging/reach_preview.h"
#include "messaging/target_choices.h"
#include "node/config.h"

namespace mhero::console {

/// The notice of a central node with messaging off ([rapidpro] url unset in `config`): messages
/// are kept, none goes out. nullopt on a district node or when messaging is on.
std::optional<std::string> messaging_off_notice(const NodeConfig& config);

/// What the preview shows: the reach of the target (when it resolved) and the SMS cost.
struct PreviewData {
  std::optional<ReachPreview> preview;  // nullopt: no target yet, or `problem`.
  std::string problem;                  // Why there is no reach ("" when none).
  bool flow = false;                    // A flow: no SMS cost (the flow decides its texts).
};

/// The preview fragment: `#preview-workers`, `#preview-phones`, `#preview-sharing`,
/// `#preview-inactive`, `#preview-no-mobile`, `#preview-unassigned`, table `#sms-cost`,
/// `#ucs2-notice` (characters forcing UCS-2), `#gsm7-form` + button `#use-gsm7`,
/// `#preview-total-segments`.
Html preview_fragment(const PreviewData& data);

struct FormView {
  const ComposeInput& input;
  const TargetChoices& choices;
  const std::optional<FlowList>& flows;
  const std::vector<FieldError>& errors;
  const PreviewData& preview;
  bool district_node = false;
  std::string own_district;
};

/// The form `#compose-form` (csrf added by the caller through `csrf`).
Html compose_form_html(const FormView& view, const Html& csrf);

/// The confirmation step: `#confirm-summary`, `#confirm-count`, form `#compose-confirm` with
/// `#compose-send` and `#compose-edit`.
Html confirm_html(const ComposeInput& input, const MessageRecord& message, const TargetChoices& choices,
                  const ReachPreview& preview, const Html& csrf);

/// "Nurse (NURSE), Midwife (MW)": the values with their display names.
std::string labelled(const std::vector<std::string>& values, const std::vector<TargetChoice>& choices);

}  // namespace mhero::console
