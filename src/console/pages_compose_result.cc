// `/compose/{id}` (operator): the message just written, its state as known on this node, and
// the cancel (as `mhero messages cancel`): POST /compose/{id}/cancel writes a messageCancel entry
// and an audit entry; the central node's dispatcher stops before its next batch.
#include "console/compose_view.h"
#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "messaging/cancel.h"
#include "messaging/message_query.h"
#include "net/url.h"

namespace mhero::console {

namespace {

std::string target_text(const MessageRecord& m, const TargetChoices& c) {
  std::string out;
  auto add = [&](const char* kind, const std::vector<std::string>& values, const std::vector<TargetChoice>& choices) {
    if (values.empty()) return;
    if (!out.empty()) out += "; and ";
    out += std::string(kind) + ": " + labelled(values, choices);
  };
  add("cadre", m.target.cadres, c.cadres);
  add("district", m.target.districts, c.districts);
  add("facility", m.target.facilities, c.facilities);
  add("skill", m.target.skills, c.skills);
  add("health workers", m.target.entity_ids, {});
  return out;
}

/// "102 of 132 health workers" once the dispatcher finished; before, the batches so far are not
/// the whole target: "102 of about 132 health workers" (the author's preview), or "102 health
/// workers".
std::string handed_text(const MessageState& s) {
  const uint32_t sent = s.sent_count();
  if (s.summary) return std::to_string(sent) + " of " + std::to_string(s.targeted_count()) + " health workers";
  const uint32_t previewed = s.message.previewed_count;
  return std::to_string(sent) + (previewed > sent ? " of about " + std::to_string(previewed) : std::string()) +
         " health workers";
}

/// The message's page. `refusal` (with `status`): a refused cancel, shown above the form, which
/// keeps `typed_reason` so nothing typed is lost.
net::HttpResponse message_page(PageRequest& req, int status, const std::string& refusal, const std::string& typed_reason) {
  std::string id = req.param("id");
  Node& node = req.console.node();
  const ViewReader& views = node.store().views();
  auto state = message_state(views, id);
  if (!state.ok() && state.status().code() == StatusCode::not_found) {
    return error_page(req, 404, "Message not found", "No message with id " + id + " is held on this node.",
                      "Check the id; a message written on another node arrives here with the next sync or bundle.");
  }
  if (!state.ok()) {
    return error_page(req, 500, "Messages cannot be read", state.status().message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  auto choices = target_choices(views);
  const MessageState& s = *state;
  const MessageRecord& m = s.message;
  const bool district = node.config().role == Role::district;
  const std::optional<std::string> messaging_off = messaging_off_notice(node.config());
  Html b;
  std::string done = req.query("done");
  if (done == "written") {
    b.open("div", {{"class", "notice ok"}, {"role", "status"}, {"id", "compose-notice"}});
    b.el("p", "The message is saved" + (m.previewed_count ? " for " + std::to_string(m.previewed_count) +
                                                              " health workers" : std::string()) + ".");
    b.el("p", district            ? "It leaves this node with the next sync or USB bundle; the central node hands it to RapidPro."
              : messaging_off ? "It is not sent yet: see below."
                              : "The central node hands it to RapidPro on its next messaging pass.");
    b.close("div");
  } else if (done == "cancelled") {
    b.open("div", {{"class", "notice ok"}, {"role", "status"}, {"id", "cancel-notice"}});
    b.el("p", s.targeted_count() == 0
                  ? std::string("Cancelled before any health worker was handed to RapidPro (as known on this node): no batch is sent.")
                  : "Cancelled. " + handed_text(s) +
                        " had already been handed to RapidPro (as known on this node); no further batch is sent. A batch "
                        "being handed over at this moment still goes out: the message's state counts it.");
    if (district) b.el("p", "The cancel reaches the central node with the next sync or USB bundle.");
    b.close("div");
  }
  if (messaging_off && s.state() == "pending") {
    b.open("div", {{"class", "notice bad"}, {"role", "alert"}, {"id", "compose-messaging-off"}});
    b.el("p", *messaging_off);
    b.close("div");
  }
  b.open("dl", {{"class", "record panel"}, {"id", "message-facts"}});
  b.el("dt", "State").el("dd", s.describe(), {{"id", "message-state"}});
  b.el("dt", "Message id").el("dd", m.id, {{"class", "id"}});
  if (!m.flow_uuid.empty()) b.el("dt", "RapidPro flow").el("dd", m.flow_name.empty() ? m.flow_uuid : m.flow_name);
  for (const auto& [lang, text] : m.texts) {
    b.el("dt", "Text (" + (lang.empty() ? std::string("default") : lang) + ")").el("dd", text, {{"class", "message-text"}});
  }
  b.el("dt", "Target").el("dd", target_text(m, choices.ok() ? *choices : TargetChoices{}));
  b.el("dt", "Priority").el("dd", m.urgent ? "urgent" : "routine");
  b.el("dt", "Written").el("dd", display_time(m.written_ms) + " in " + m.scope);
  b.el("dt", "Written by").el("dd", (m.staff_user.empty() ? m.author : m.staff_user + " (" + m.author + ")") + " on node " +
                                        (m.author_node.empty() ? m.feed_author : m.author_node).substr(0, 16));
  if (m.not_before_ms) b.el("dt", "Not before").el("dd", display_time(m.not_before_ms), {{"id", "message-not-before"}});
  if (m.expires_at_ms) b.el("dt", "Expires").el("dd", display_time(m.expires_at_ms), {{"id", "message-expires"}});
  if (m.previewed_count) b.el("dt", "Reach confirmed").el("dd", std::to_string(m.previewed_count) + " health workers");
  b.el("dt", "Handed to RapidPro")
      .el("dd", s.batches.empty() || (s.cancel && s.sent_count() == 0)
                    ? std::string(s.cancel ? "none: cancelled before the first batch"
                                                         : "not yet: waiting for the next messaging pass")
                                  : handed_text(s) + ", " + std::to_string(s.phone_count()) + " phones",
          {{"id", "message-sent"}});
  if (s.cancel) {
    b.el("dt", "Cancelled").el("dd", display_time(s.cancel->at_ms) + (s.cancel->staff_user.empty() ? "" : " by " + s.cancel->staff_user) +
                                         (s.cancel->reason.empty() ? "" : ": " + s.cancel->reason));
  }
  b.close("dl");
  Status can = check_cancel(s, node.config().role, node.config().district);
  if (can.ok()) {
    b.open("form", {{"method", "post"}, {"action", "/compose/" + net::url_encode(m.id) + "/cancel"}, {"id", "cancel-form"},
                    {"class", "panel stack"}, {"data-confirm", "Cancel this message? Batches already sent stay sent."}});
    b.el("h2", "Cancel");
    if (!refusal.empty()) {
      b.open("div", {{"class", "notice bad"}, {"role", "alert"}, {"id", "cancel-refused"}});
      b.el("p", refusal);
      b.close("div");
    }
    b.append(csrf_field(req));
    b.open("div", {{"class", "field"}}).el("label", "Reason (kept with the cancel)", {{"for", "cancel-reason"}});
    b.empty("input", {{"id", "cancel-reason"}, {"name", "reason"}, {"type", "text"}, {"autocomplete", "off"},
                      {"dir", "auto"}, {"value", typed_reason}});
    b.close("div");
    b.el("button", "Cancel this message", {{"type", "submit"}, {"id", "cancel-submit"}});
    b.close("form");
  }
  b.open("p").link("/compose", "Compose another message").close("p");
  auto r = html_page(req, "Message " + m.id.substr(0, 8), b);
  r.status = status;
  return r;
}

net::HttpResponse result_page(PageRequest& req) { return message_page(req, 200, "", ""); }

net::HttpResponse cancel_post(PageRequest& req) {
  std::string id = req.param("id");
  Node& node = req.console.node();
  auto state = message_state(node.store().views(), id);
  if (!state.ok()) {
    (void)req.audit("message.cancel", id, "refused: " + state.status().message());
    return error_page(req, state.status().code() == StatusCode::not_found ? 404 : 500, "Not cancelled",
                      state.status().message(), "Check the message id.");
  }
  Status can = check_cancel(*state, node.config().role, node.config().district);
  if (!can.ok()) {
    (void)req.audit("message.cancel", id, "refused: " + can.message());
    return error_page(req, 409, "Not cancelled", can.message() + ".", "Open the message again to see its state.");
  }
  CancelRecord c{id, req.user->name, req.form.value("reason"), req.console.clock().now().count(), "", ""};
  auto entry = write_cancel(node.store(), node.key(), cancel_scope(*state), c);
  if (!entry.ok()) {
    (void)req.audit("message.cancel", id, "refused: " + entry.status().message());
    if (entry.status().code() == StatusCode::invalid_argument) {  // The reason: shown again, as typed.
      return message_page(req, 400,
                          "Not cancelled: " + entry.status().message() +
                              ". Correct the reason below and cancel again.",
                          c.reason);
    }
    return error_page(req, 503, "Not cancelled", entry.status().message(), "Try again in a minute.");
  }
  if (!req.audit("message.cancel", id, "ok")) {
    return error_page(req, 503, "Not recorded", "The cancel was written, but its audit entry could not be.",
                      "Tell the node's administrator.");
  }
  return redirect("/compose/" + net::url_encode(id) + "?done=cancelled");
}

}  // namespace

void add_compose_result_pages(Router& router) {
  router.add("GET", "/compose/{id}", StaffRole::operator_, result_page);
  router.add("POST", "/compose/{id}/cancel", StaffRole::operator_, cancel_post);
}

}  // namespace mhero::console
