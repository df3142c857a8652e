// The compose form's values (`/compose`): read from a POST body or the preview's query string,
// turned into an outgoing message with errors per field, and written back as hidden fields on
// the confirmation step. The rules are `mhero send`'s (messaging/compose.h prepare_message), so
// the console and the CLI accept and refuse the same messages.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "console/html.h"
#include "messaging/flow_list.h"
#include "messaging/message_codec.h"
#include "node/config.h"

namespace mhero::console {

/// The form as typed. Field names: id, kind ("text" | "flow"), text, lang + ltext (repeated, one
/// pair per translation row), flow (a flow uuid from the held list), cadre, district, facility,
/// skill (repeated), entities (entityIDs separated by spaces, commas or new lines), priority
/// ("routine" | "urgent"), channel ("" = each worker's preferred, "sms", "whatsapp", "telegram"),
/// not_before, expires (ISO 8601 UTC or +N[s|m|h|d]), previewed.
struct ComposeInput {
  /// The form's own token (random, issued with the empty form): the page derives the message id
  /// from it and the node's key (pages_compose.cc), so a second press, even after a restart and
  /// a new login, sends nothing twice, and no form can choose a message's id.
  std::string form_token;
  std::string kind = "text", text, flow;
  std::vector<std::pair<std::string, std::string>> translations;  // (lang, text) rows as typed.
  std::vector<std::string> cadres, districts, facilities, skills;
  std::string entities;
  std::string priority = "routine", not_before, expires;
  std::string channel;  // "" = any (each worker's preferred channel), else the only one allowed.
  std::string previewed;  // Workers the confirmation step showed (a number), "" before.
};

/// Reads the fields (a form body or query parameters, in order). Unknown fields are ignored.
ComposeInput compose_input(const std::vector<std::pair<std::string, std::string>>& fields);

/// One problem, tied to the form control it is about.
struct FieldError {
  std::string field;    // Control id, e.g. "c-text"; "" for the form as a whole.
  std::string message;  // Names the input and says what is wrong.
};

struct ComposeOutcome {
  MessageRecord message;          // Filled as far as the input allows.
  std::vector<FieldError> errors; // Empty: `message` passed prepare_message and may be written.
};

/// The target part alone (for the live preview of an unfinished form); on a district node an
/// empty district list becomes [own], another district is an error on "c-district".
ComposeOutcome compose_target(const ComposeInput& in, Role role, const std::string& district);

/// The whole message: texts or the flow (looked up in `flows`), target, priority, times; then
/// prepare_message for `role` / `district` at `now`.
ComposeOutcome compose_message(const ComposeInput& in, const std::optional<FlowList>& flows, Role role,
                               const std::string& district, std::chrono::milliseconds now);

/// The input as hidden fields (the confirmation step re-sends them unchanged).
Html hidden_fields(const ComposeInput& in);

/// `in` with every text replaced by its GSM-7 form (messaging/sms_cost.h gsm7_form).
ComposeInput with_gsm7_texts(ComposeInput in);

}  // namespace mhero::console
