// `/compose` (operator): write an outgoing message on this node, as `mhero send` does, with a
// live reach preview and the SMS cost, a confirmation step that repeats the count, then the
// outgoingMessage entry in this node's own feed (national, or district/<code> on a district node,
// which sends it to the central node with the next sync or bundle) and an audit entry.
//   GET  /compose                  the empty form
//   POST /compose  action=preview  the form again with the preview (works without JavaScript)
//                  action=use-gsm7 the texts replaced by their GSM-7 form, then as preview
//                  action=review   the confirmation step (or the form with its errors)
//                  action=edit     back to the form with the values
//                  action=send     writes the message (once per form: its id is derived from the
//                                  form's token and the node's key), 303 to /compose/{id}
//   GET  /compose/preview?…        the preview fragment alone (console.js fetches it as the form changes)
// The message's page and its cancel are in pages_compose_result.cc.
#include <sodium.h>

#include <array>
#include <optional>

#include "console/compose_form.h"
#include "console/compose_view.h"
#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "messaging/compose.h"
#include "messaging/message_query.h"
#include "messaging/registry_directory.h"
#include "net/url.h"
#include "registry/registry_query.h"

namespace mhero::console {

namespace {

struct NodeFacts {
  Role role;
  std::string district;
};

NodeFacts facts(PageRequest& req) {
  const NodeConfig& c = req.console.node().config();
  return {c.role, c.district};
}

/// The id of the message a compose form writes: a UUID (version 4 layout) made of BLAKE2b-128 of
/// the form's token (libsodium crypto_generichash), keyed with a subkey of this node's key seed
/// (crypto_kdf_derive_from_key, context "mhcompos"). The same form sent again gives the same id,
/// so it is written once: after a double press, and after `mhero run` restarted and staff logged
/// in again. A forged form cannot pick an id, not even one another district's message holds.
/// nullopt for a token that is missing or over 128 bytes.
std::optional<std::string> form_message_id(const PageRequest& req, std::string_view form_token) {
  if (form_token.empty() || form_token.size() > 128) return std::nullopt;
  static_assert(NodeKey::kSeedSize == crypto_kdf_KEYBYTES);
  std::array<uint8_t, NodeKey::kSeedSize> seed = req.console.node().key().seed();
  uint8_t key[32];
  crypto_kdf_derive_from_key(key, sizeof key, 1, "mhcompos", seed.data());
  sodium_memzero(seed.data(), seed.size());
  uint8_t b[16];
  crypto_generichash(b, sizeof b, reinterpret_cast<const unsigned char*>(form_token.data()), form_token.size(), key,
                     sizeof key);
  sodium_memzero(key, sizeof key);
  return uuid_v4_text(b);
}

/// The compose problems naming what `target` names that this node's registry does not hold: a
/// code no held worker carries (a forged form, or the registry changed since the form was drawn),
/// and entityIDs of no held worker. None when it holds no registry yet (the central node then
/// resolves the target).
Result<std::vector<FieldError>> unknown_in_target(const ViewReader& views, const MessageTarget& target) {
  std::vector<FieldError> problems;
  MHERO_ASSIGN_OR_RETURN(TargetChoices held, target_choices(views));
  UnknownTargetCodes codes = unknown_target_codes(held, target);
  auto note = [&](const char* field, const char* label, const char* kind, const std::vector<std::string>& unknown,
                  const std::vector<TargetChoice>& choices) {
    if (!unknown.empty()) {
      problems.push_back({field, std::string(label) + ": " + unknown_codes_text(kind, unknown, choices) +
                                     "; choose from the list."});
    }
  };
  note("c-cadre", "Cadres", "cadre", codes.cadres, held.cadres);
  note("c-skill", "Skills", "skill", codes.skills, held.skills);
  note("c-district", "Districts", "district", codes.districts, held.districts);
  note("c-facility", "Facilities", "facility", codes.facilities, held.facilities);
  MHERO_ASSIGN_OR_RETURN(auto unknown, unknown_entity_ids(views, target.entity_ids));
  if (unknown.empty()) return problems;
  std::string listed;
  for (size_t i = 0; i < unknown.size() && i < 10; ++i) listed += (i ? ", " : "") + unknown[i];
  if (unknown.size() > 10) listed += " and " + std::to_string(unknown.size() - 10) + " more";
  problems.push_back({"c-entities", "Health workers: no health worker with the entityID " + listed +
                                        " is in this node's registry; correct or remove " +
                                        (unknown.size() == 1 ? "it." : "them.")});
  return problems;
}

/// The preview of `in` against the registry held here.
PreviewData preview_of(PageRequest& req, const ComposeInput& in) {
  NodeFacts f = facts(req);
  PreviewData data;
  data.flow = in.kind == "flow";
  ComposeOutcome target = compose_target(in, f.role, f.district);
  if (!target.errors.empty()) {
    data.problem = target.errors.front().message;
    return data;
  }
  if (target.message.target.empty()) return data;
  MessageRecord m = target.message;
  if (!data.flow) {
    m.texts.emplace_back("", in.text);
    for (const auto& t : in.translations) m.texts.push_back(t);
    if (in.text.empty() && in.translations.empty()) m.texts.clear();
  }
  auto order = load_channel_order(req.console.node().config().table);
  if (!order.ok()) {
    data.problem = order.status().message();
    return data;
  }
  RegistryDirectory directory(req.console.node().store().views(), *order);
  auto reach = directory.resolve(m.target, m.channels);
  if (!reach.ok()) {
    data.problem = "The registry cannot be read: " + reach.status().message();
    return data;
  }
  data.preview = preview_reach(*reach, m);
  return data;
}

net::HttpResponse registry_read_error(PageRequest& req, const Status& s) {
  return error_page(req, 500, "The registry cannot be read", s.message(),
                    "Tell the node's administrator: `mhero log verify` checks the store.");
}

net::HttpResponse form_page(PageRequest& req, ComposeInput in, const std::vector<FieldError>& errors, int status = 200) {
  const ViewReader& views = req.console.node().store().views();
  auto choices = target_choices(views);
  if (!choices.ok()) return registry_read_error(req, choices.status());
  auto flows = held_flows(views);
  if (!flows.ok()) return registry_read_error(req, flows.status());
  if (in.form_token.empty()) in.form_token = new_message_id();  // Random; any fresh value would do.
  NodeFacts f = facts(req);
  PreviewData preview = preview_of(req, in);
  FormView view{in, *choices, *flows, errors, preview, f.role == Role::district, f.district};
  Html b;
  b.el("p", f.role == Role::district
                ? "Write a text or start a RapidPro flow for health workers of district " + f.district +
                      ". It leaves this node with the next sync or USB bundle; the central node sends it."
                : "Write a text or start a RapidPro flow for the health workers you pick. Nothing is written before you confirm.",
       {{"class", "lead"}});
  // A node that cannot write its own feed now (writes held after a restore, the feed frozen by a
  // fork) says so before anyone types a message that Send would then refuse.
  Node& node = req.console.node();
  if (Status writable = node.store().check_append(FeedId{node.id(), node.own_scope()}); !writable.ok()) {
    b.open("div", {{"class", "notice bad"}, {"role", "alert"}, {"id", "compose-cannot-write"}});
    b.el("p", "This node cannot write messages now: " + writable.message());
    b.close("div");
  }
  if (auto off = messaging_off_notice(node.config())) {
    b.open("div", {{"class", "notice bad"}, {"role", "alert"}, {"id", "compose-messaging-off"}});
    b.el("p", *off);
    b.close("div");
  }
  b.append(compose_form_html(view, csrf_field(req)));
  return html_page(req, "Compose a message", b, status);
}

net::HttpResponse compose_get(PageRequest& req) { return form_page(req, ComposeInput{}, {}); }

net::HttpResponse preview_get(PageRequest& req) {
  ComposeInput in = compose_input(req.http.query());
  net::HttpResponse r;
  r.status = 200;
  r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
  r.body = preview_fragment(preview_of(req, in)).str();
  return r;
}

net::HttpResponse compose_post(PageRequest& req) {
  ComposeInput in = compose_input(req.form.fields());
  std::string action = req.form.value("action");
  if (action == "use-gsm7") return form_page(req, with_gsm7_texts(std::move(in)), {});
  if (action == "preview" || action == "edit" || action.empty()) return form_page(req, std::move(in), {});
  if (action != "review" && action != "send") {
    return error_page(req, 400, "Unknown action", "The form asked for '" + action + "'.", "Use the buttons of the compose page.");
  }
  NodeFacts f = facts(req);
  Node& node = req.console.node();
  const ViewReader& views = node.store().views();
  auto flows = held_flows(views);
  if (!flows.ok()) return registry_read_error(req, flows.status());
  // Review may start a token (a form drawn without one); only a send needs the one it was shown with.
  if (in.form_token.empty() && action == "review") in.form_token = new_message_id();
  auto message_id = form_message_id(req, in.form_token);
  if (!message_id) {
    return error_page(req, 400, "Not a compose form", "The form carries no valid form token. Nothing was written.",
                      "Start again from the Compose page.");
  }
  ComposeOutcome out = compose_message(in, *flows, f.role, f.district, req.console.clock().now());
  out.message.id = *message_id;
  if (!out.errors.empty()) {
    // Codes and named health workers the registry does not hold, beside the form's other problems.
    auto unknown = unknown_in_target(views, out.message.target);
    if (!unknown.ok()) return registry_read_error(req, unknown.status());
    for (auto& problem : *unknown) out.errors.push_back(std::move(problem));
    if (action == "send") (void)req.audit("message.compose", *message_id, "refused: " + out.errors.front().message);
    return form_page(req, std::move(in), out.errors, 400);
  }
  MessageRecord& m = out.message;
  if (action == "review") {
    auto order = load_channel_order(node.config().table);
    if (!order.ok()) return registry_read_error(req, order.status());
    RegistryDirectory directory(views, *order);
    auto reach = directory.resolve(m.target, m.channels);
    if (!reach.ok()) return registry_read_error(req, reach.status());
    bool any_provider = false;  // A node holding no registry yet leaves the target to the central node.
    Status scanned = registry::for_each_provider(views, [&](const registry::ProviderRecord&) {
      any_provider = true;
      return false;
    });
    if (!scanned.ok()) return registry_read_error(req, scanned);
    std::vector<FieldError> problems;
    auto unknown = unknown_in_target(views, m.target);
    if (!unknown.ok()) return registry_read_error(req, unknown.status());
    for (auto& problem : *unknown) problems.push_back(std::move(problem));
    if (reach->workers.empty() && any_provider) {
      problems.push_back({"", "No health worker with a valid mobile matches these choices in this node's registry: "
                              "widen the target (the Preview button shows the count)."});
    }
    if (!problems.empty()) return form_page(req, std::move(in), problems, 400);
    auto choices = target_choices(views);
    if (!choices.ok()) return registry_read_error(req, choices.status());
    Html page;
    if (auto off = messaging_off_notice(node.config())) {  // Repeated where staff decide to send.
      page.open("div", {{"class", "notice bad"}, {"role", "alert"}, {"id", "confirm-messaging-off"}});
      page.el("p", *off);
      page.close("div");
    }
    page.append(confirm_html(in, m, *choices, preview_reach(*reach, m), csrf_field(req)));
    return html_page(req, "Confirm the message", page);
  }
  // action == "send": once per message id (a second press or a reload shows the message).
  auto held = message_state(views, m.id);
  if (held.ok()) return redirect("/compose/" + net::url_encode(m.id));
  if (held.status().code() != StatusCode::not_found) return registry_read_error(req, held.status());
  {  // Reviewed, but the registry may have changed since (or the form was forged).
    auto unknown = unknown_in_target(views, m.target);
    if (!unknown.ok()) return registry_read_error(req, unknown.status());
    if (!unknown->empty()) {
      (void)req.audit("message.compose", m.id, "refused: " + unknown->front().message);
      return form_page(req, std::move(in), *unknown, 400);
    }
  }
  m.author = staff_role_name(req.user->role);
  m.staff_user = req.user->name;
  m.author_node = node.id().hex();
  auto entry = write_message(node.store(), node.key(), message_scope(m, f.role, node.own_scope()), m);
  if (!entry.ok()) {
    (void)req.audit("message.compose", m.id, "refused: " + entry.status().message());
    return error_page(req, 503, "The message was not written", entry.status().message(),
                      "Try again in a minute; tell the node's administrator if it persists.");
  }
  if (!req.audit("message.compose", m.id, "ok")) {
    return error_page(req, 503, "Not recorded", "The message was written, but its audit entry could not be.",
                      "Tell the node's administrator; the message is " + m.id + ".");
  }
  return redirect("/compose/" + net::url_encode(m.id) + "?done=written");
}

}  // namespace

void add_compose_pages(Router& router) {
  router.add("GET", "/compose", StaffRole::operator_, compose_get);
  router.add("POST", "/compose", StaffRole::operator_, compose_post);
  router.add("GET", "/compose/preview", StaffRole::operator_, preview_get);
  add_compose_result_pages(router);
  router.add_nav("Compose", "/compose", StaffRole::operator_,
                 "Write a text or start a RapidPro flow for health workers by cadre, district, facility or skill.");
}

}  // namespace mhero::console
