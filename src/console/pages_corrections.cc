// `/corrections`: the registry-correction review queue (oldest first; filters in the URL);
// `/corrections/{id}`: base / current / proposed side by side, conflicts, accept / reject;
// bulk accept of the non-conflicting ones; and the proposal form of the provider record page.
// Decisions are central-only and serialised with Node::exclusive(Job::registry), so a second
// reviewer deciding the same correction gets 409 "already decided by …" and nothing is written.
#include "console/pages_corrections.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "messaging/validation.h"
#include "net/url.h"
#include "node/enrollment.h"
#include "registry/correction_desk.h"
#include "registry/registry_config.h"
#include "registry/registry_query.h"
#include "util/plural.h"

namespace mhero::console {

namespace {

struct Row {
  registry::Correction c;
  std::optional<registry::ProviderRecord> base, current;
  registry::Conflict conflict;
};

Result<Row> load_row(Node& node, registry::Correction c) {
  Row r{std::move(c), std::nullopt, std::nullopt, {}};
  MHERO_ASSIGN_OR_RETURN(r.base, registry::provider_in_entry(node.store(), r.c.based_on, r.c.entity_id));
  auto current = registry::find_provider(node.store().views(), r.c.entity_id);
  if (current.ok()) r.current = std::move(current).value();
  if (r.current && !r.c.decision) r.conflict = registry::find_conflict(r.base, *r.current, r.c);
  return r;
}

bool central(PageRequest& req) { return req.console.node().config().role == Role::central; }

std::string changed_fields(const registry::Conflict& c) {
  std::string fields;
  for (const auto& f : c.changed) fields += (fields.empty() ? "" : ", ") + f;
  return fields + " changed since";
}

std::string conflict_text(const registry::Conflict& c) {
  return c.level.empty() ? "none" : c.level + " (" + changed_fields(c) + ")";
}

// The node that wrote a correction as staff know it: "the central node", "district D02's node
// (Grand Gedeh office)" (its enrollment and label), else the key's first 8 hex digits.
std::string node_text(Node& node, const NodeId& author) {
  const NodeConfig& config = node.config();
  if ((config.central_key && author == *config.central_key) ||
      (config.role == Role::central && author == node.key().id())) {
    return "the central node";
  }
  auto enrolled = find_enrolled(node.store().views(), author);
  if (enrolled.ok() && *enrolled && !(*enrolled)->district.empty()) {
    const EnrolledKey& k = **enrolled;
    return "district " + k.district + "'s node" + (k.label.empty() ? "" : " (" + k.label + ")");
  }
  return "node " + author.short_hex();
}

// The correction desk's refusals name the CLI's flags; on the console the same refusal names
// the form's fields and controls instead.
std::string in_form_words(std::string message) {
  static const std::pair<std::regex, const char*> kWords[] = {
      {std::regex(R"(\(--note, e\.g\.)"), "(Why, e.g."},
      {std::regex(R"(add --district (\S+))"), "choose $1 as Destination district"},
      {std::regex(R"(give at least one of --phone, --facility, --district, --status, --cadre)"),
       "fill at least one of New mobile number, New facility, Destination district, Status, Cadre"},
      {std::regex(R"(--cadre needs)"), "Cadre needs"},
      {std::regex(R"(values \(`mhero registry corrections show [^`]*` or the console's correction page\), then accept with )"
                  R"(the conflict confirmed \(--confirm-conflict \w+\))"),
       "values in the table below, then tick \"I compared the values\" and accept,"},
  };
  for (const auto& [pattern, words] : kWords) message = std::regex_replace(message, pattern, words);
  return message;
}

std::string proposer_text(Node& node, const registry::Correction& c) {
  std::string via = node_text(node, c.entry.feed.author);
  if (c.by_worker) {
    // A validation flow's run (messaging/validation.h): proposer_user is "rapidpro run <uuid>".
    std::string run = c.proposer_user.starts_with("rapidpro run ") ? c.proposer_user.substr(13, 8) + "…" : c.proposer_user;
    if (!c.proposer_user.starts_with("rapidpro run ")) {  // Taken down by staff, e.g. on the phone.
      return (c.proposer_user.empty() ? std::string("staff") : c.proposer_user) +
             ", on the health worker's behalf, on " + via;
    }
    return "the health worker (own answer" + (run.empty() ? "" : ", RapidPro run " + run) + "), via " + via;
  }
  return c.proposer_user.empty() ? via : c.proposer_user + ", on " + via;
}

/// Central node: validation-flow answers that could not become corrections, newest first (at
/// most 20), so reviewers can follow them up by hand.
void refused_section(Html& b, PageRequest& req) {
  if (!central(req)) return;
  auto refused = refused_proposals(req.console.node().store());
  if (!refused.ok() || refused->empty()) return;
  b.open("section", {{"class", "panel"}, {"id", "refused-answers"}, {"aria-labelledby", "refused-h"}});
  b.el("h2", "Health workers' answers that could not become corrections", {{"id", "refused-h"}});
  b.el("p", "From validation flows: nothing was proposed for these. Check with the worker and, if needed, propose the "
            "correction from the record page.", {{"class", "hint"}});
  b.open_table_wrap().open("table", {{"id", "refused"}});
  b.el("caption", std::to_string(refused->size()) + (refused->size() == 1 ? " refused answer" : " refused answers") +
                     ", newest first");
  b.open("thead").open("tr");
  for (const char* h : {"When", "District", "Provider", "Answer", "Why not"}) b.el("th", h, {{"scope", "col"}});
  b.close("tr").close("thead").open("tbody");
  size_t shown = 0;
  for (const auto& r : *refused) {
    if (++shown > 20) break;
    b.open("tr").el("td", display_time(r.at_ms)).el("td", r.district.empty() ? "—" : r.district);
    b.open("td");
    if (r.entity_id.find(',') == std::string::npos) {
      b.link("/registry/provider/" + net::url_encode(r.entity_id), r.entity_id);
    } else {
      b.text(r.entity_id);
    }
    b.close("td").el("td", r.answer).el("td", r.reason).close("tr");
  }
  b.close("tbody").close("table").close("div").close("section");
}

using HeldFacilities = std::unordered_map<std::string, registry::FacilityRecord>;

// A facility as staff know it: "Phebe Hospital, BONG"; its entityID when this node does not
// hold it (a district node holds only its own district's facilities).
std::string facility_name(const std::string& entity_id, const HeldFacilities& held) {
  auto it = held.find(entity_id);
  if (it == held.end() || it->second.name.empty()) return entity_id;
  const registry::FacilityRecord& f = it->second;
  std::string text = f.name + (f.district.empty() ? "" : ", " + f.district);
  // Two facilities of one name in one district are told apart by their entityIDs: a move
  // between them must not read as "X → X" to the reviewer.
  for (const auto& [id, other] : held) {
    if (id != entity_id && !other.removed && other.name == f.name && other.district == f.district) {
      return text + " (" + entity_id + ")";
    }
  }
  return text;
}

// A field's value as the pages show it: the facility field's entityIDs (", "-separated, as
// registry::field_value joins them) by name; the other fields as they are.
std::string shown_value(std::string_view field, const std::string& value, const HeldFacilities& held) {
  if (field != "facility" || value.empty()) return value;
  std::string out;
  for (size_t at = 0; at <= value.size();) {
    size_t end = std::min(value.find(", ", at), value.size());
    out += (out.empty() ? "" : "; ") + facility_name(value.substr(at, end - at), held);
    at = end + 2;
  }
  return out;
}

// "phone +231770000001 → +231779999991; status active → inactive": each changed field from its
// value in `base` (the version the proposer saw; omitted when not held) to the proposed one.
std::string change_text(const registry::Correction& c, const HeldFacilities& held,
                        const std::optional<registry::ProviderRecord>& base = std::nullopt) {
  std::string out;
  for (const auto& f : c.change.fields()) {
    std::string was = base ? shown_value(f, registry::field_value(*base, f), held) : "";
    out += (out.empty() ? "" : "; ") + f + (was.empty() ? "" : " " + was) + " → " +
           shown_value(f, registry::proposed_value(c, f), held);
  }
  return out;
}

net::HttpResponse corrections_read_error(PageRequest& req, const Status& s) {
  return error_page(req, 500, "The corrections cannot be read", s.message(),
                    "Tell the node's administrator: `mhero log verify` checks the store.");
}

void corrections_filter_form(Html& b, const std::string& district, const std::string& kind, const std::string& state) {
  b.open("form", {{"method", "get"}, {"action", "/corrections"}, {"id", "corrections-filter"},
                  {"class", "filters panel"}, {"role", "search"}});
  b.open("div", {{"class", "field"}}).el("label", "District", {{"for", "f-district"}});
  b.empty("input", {{"id", "f-district"}, {"name", "district"}, {"type", "search"}, {"value", district},
                    {"placeholder", "district code"}});
  b.close("div").open("div", {{"class", "field"}}).el("label", "Kind", {{"for", "f-kind"}});
  b.open("select", {{"id", "f-kind"}, {"name", "kind"}});
  for (const char* k : {"", "phone", "facility", "transfer", "status", "cadre", "several"}) {
    b.option(k, *k ? k : "all kinds", kind == k);
  }
  b.close("select").close("div").open("div", {{"class", "field"}}).el("label", "State", {{"for", "f-state"}});
  b.open("select", {{"id", "f-state"}, {"name", "state"}});
  for (const char* s : {"proposed", "accepted", "rejected", "superseded", "all"}) {
    b.option(s, s, state == s);
  }
  b.close("select").close("div");
  b.el("button", "Show", {{"type", "submit"}, {"id", "corrections-filter-submit"}});
  b.link("/corrections", "Clear");
  b.close("form");
}

net::HttpResponse queue_page(PageRequest& req) {
  std::string district = req.query("district"), kind = req.query("kind"), state = req.query("state");
  if (state.empty()) state = "proposed";
  registry::CorrectionFilter f;
  f.district = district;
  f.kind = kind;
  if (state != "all") {
    f.state = registry::parse_state(state);
    if (!f.state) {
      return error_page(req, 400, "Unknown state", "The state '" + state + "' in the address is not one we know.",
                        "Choose a state in the form: proposed, accepted, rejected, superseded or all.");
    }
  }
  Node& node = req.console.node();
  auto list = registry::list_corrections(node.store().views(), f);
  if (!list.ok()) return corrections_read_error(req, list.status());
  std::vector<Row> rows;
  size_t clean = 0;
  for (auto& c : *list) {
    auto row = load_row(node, std::move(c));
    if (!row.ok()) return corrections_read_error(req, row.status());
    if (row->c.state() == registry::CorrectionState::proposed && row->conflict.level.empty() && row->current) ++clean;
    rows.push_back(std::move(row).value());
  }
  auto facilities = registry::held_facilities(node.store().views());
  if (!facilities.ok()) return corrections_read_error(req, facilities.status());
  Html b;
  b.el("p", central(req) ? "Corrections the districts (and health workers, through validation flows) proposed to "
                           "health-worker records, oldest first. Open one to "
                           "compare base, current and proposed values and decide it."
                         : "Corrections proposed from this node and the central node's decisions on them.",
       {{"class", "lead"}});
  corrections_filter_form(b, district, kind, state);
  bool reviewer = central(req) && role_allows(req.user->role, StaffRole::reviewer);
  if (reviewer && state == "proposed" && clean > 0) {
    b.open("form", {{"method", "post"}, {"action", "/corrections/accept-all"}, {"id", "corrections-bulk"},
                    {"class", "panel"}});
    b.append(csrf_field(req));
    // The ids shown, not their number: a correction proposed after this page was drawn is never
    // accepted unseen.
    std::string shown;
    for (const auto& row : rows) {
      if (row.c.state() != registry::CorrectionState::proposed || !row.conflict.level.empty() || !row.current) continue;
      shown += (shown.empty() ? "" : " ") + row.c.id;
    }
    b.empty("input", {{"type", "hidden"}, {"name", "ids"}, {"value", shown}});
    b.empty("input", {{"type", "hidden"}, {"name", "district"}, {"value", district}});
    b.empty("input", {{"type", "hidden"}, {"name", "kind"}, {"value", kind}});
    b.el("p", std::to_string(clean) + " of the " + std::to_string(rows.size()) +
                  " open corrections shown have no conflict.", {{"id", "corrections-bulk-count"}});
    b.el("button", clean == 1 ? std::string("Accept this correction") : "Accept these " + counted(clean, "correction"),
         {{"type", "submit"}, {"id", "corrections-bulk-accept"}});
    b.close("form");
  }
  if (rows.empty()) {
    b.open("div", {{"class", "notice ok"}, {"role", "status"}, {"id", "corrections-empty"}});
    b.el("p", "No correction matches. Districts propose them with `mhero registry correct` or from a "
              "provider's record page; health workers through a validation flow.");
    b.close("div");
    refused_section(b, req);
    return html_page(req, "Corrections", b);
  }
  b.open_table_wrap().open("table", {{"id", "corrections"}});
  b.el("caption", counted(rows.size(), "correction") + ", oldest first");
  b.open("thead").open("tr");
  for (const char* h : {"Correction", "Proposed", "District", "Provider", "Kind", "Change", "Proposer", "Conflict", "State"}) {
    b.el("th", h, {{"scope", "col"}});
  }
  b.close("tr").close("thead").open("tbody");
  for (const auto& r : rows) {
    b.open("tr").open("th", {{"scope", "row"}}).link("/corrections/" + net::url_encode(r.c.id), r.c.id).close("th");
    b.el("td", display_time(r.c.proposed_at_ms)).el("td", r.c.district.empty() ? "unassigned" : r.c.district);
    b.el("td", r.current ? r.current->display_name() + " (" + r.c.entity_id + ")" : r.c.entity_id);
    b.el("td", r.c.kind()).el("td", change_text(r.c, *facilities, r.base)).el("td", proposer_text(req.console.node(), r.c));
    b.el("td", r.c.decision ? "—" : conflict_text(r.conflict), {{"class", r.conflict.level.empty() ? "" : "conflict"}});
    std::string st = registry::state_name(r.c.state());
    if (r.c.decision && !r.c.decision->comment.empty()) st += ": " + r.c.decision->comment;
    b.el("td", st, {{"class", "state"}});
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
  refused_section(b, req);
  return html_page(req, "Corrections", b);
}

net::HttpResponse detail_page(PageRequest& req, int status, std::string_view notice, std::string_view notice_class) {
  Node& node = req.console.node();
  auto c = registry::find_correction(node.store().views(), req.param("id"));
  if (!c.ok() && c.status().code() == StatusCode::not_found) {
    return error_page(req, 404, "Correction not found", c.status().message(), "Go back to the review queue.");
  }
  if (!c.ok()) return corrections_read_error(req, c.status());
  auto row = load_row(node, std::move(c).value());
  if (!row.ok()) return corrections_read_error(req, row.status());
  const Row& r = *row;
  auto facilities = registry::held_facilities(node.store().views());
  if (!facilities.ok()) return corrections_read_error(req, facilities.status());
  Html b;
  b.open("p").link("/corrections", "Back to the review queue").close("p");
  if (!notice.empty()) {
    b.open("div", {{"class", "notice " + std::string(notice_class)}, {"role", "alert"}, {"id", "decision-notice"}});
    b.el("p", notice).close("div");
  }
  b.open("dl", {{"class", "record panel"}, {"id", "correction-facts"}});
  b.el("dt", "Provider").open("dd").link("/registry/provider/" + net::url_encode(r.c.entity_id),
                                        r.current ? r.current->display_name() + " (" + r.c.entity_id + ")" : r.c.entity_id).close("dd");
  b.el("dt", "Proposed").el("dd", display_time(r.c.proposed_at_ms) + " by " + proposer_text(req.console.node(), r.c));
  b.el("dt", "Note").el("dd", r.c.note, {{"class", "note-text"}, {"id", "correction-note"}});  // Its line breaks kept.
  b.el("dt", "Based on").el("dd", r.c.based_on.seq ? r.c.based_on.to_string() + " (updated " + r.c.based_on_updated + ")" : "unknown version");
  b.el("dt", "State").el("dd", registry::state_name(r.c.state()), {{"id", "correction-state"}});
  if (r.c.decision) {
    b.el("dt", "Decision").el("dd", std::string(r.c.decision->accepted ? "accepted" : "rejected") + " by " +
                                        r.c.decision->reviewer + " at " + display_time(r.c.decision->decided_at_ms) +
                                        (r.c.decision->comment.empty() ? "" : ": " + r.c.decision->comment),
                              {{"id", "correction-decision"}});
  }
  b.close("dl");
  if (r.c.state() == registry::CorrectionState::proposed) {
    // What the proposer was told of a number another worker holds: the reviewer decides knowing it.
    auto shared = registry::shared_phone_notes(node.store().views(), r.c);
    if (shared.ok() && !shared->empty()) {
      b.open("div", {{"class", "notice warn"}, {"role", "status"}, {"id", "correction-shared-phone"}});
      for (const auto& note : *shared) b.el("p", note + ".");
      b.el("p", "Accepting gives both the same number; reject if the number is mistyped.");
      b.close("div");
    }
    if (auto config = registry::RegistryConfig::from(node.config()); config.ok()) {
      auto foreign = registry::foreign_phone_notes(r.c, registry::PhoneNormalizer(config->default_region));
      if (!foreign.empty()) {
        b.open("div", {{"class", "notice warn"}, {"role", "status"}, {"id", "correction-foreign-phone"}});
        for (const auto& note : foreign) b.el("p", note + ".");
        b.close("div");
      }
    }
  }
  if (!r.conflict.level.empty()) {
    b.open("div", {{"class", std::string("notice ") + (r.conflict.level == "hard" ? "bad" : "warn")},
                   {"id", "correction-conflict"}, {"role", "status"}});
    b.el("p", r.conflict.level == "hard"
                  ? "Hard conflict: a field this correction changes was changed since the version the district saw (" +
                        changed_fields(r.conflict) + "). Decide which value is right."
                  : "Soft conflict: other fields of the record changed since the version the district saw (" +
                        changed_fields(r.conflict) + "). Accepting keeps those changes.");
    b.close("div");
  }
  b.open_table_wrap().open("table", {{"id", "correction-compare"}});
  b.el("caption", "Base, current and proposed values");
  b.open("thead").open("tr");
  for (const char* h : {"Field", "Base (as the district saw it)", "Current", "Proposed"}) b.el("th", h, {{"scope", "col"}});
  b.close("tr").close("thead").open("tbody");
  auto fields = r.c.change.fields();
  for (const char* f : registry::kCorrectionFields) {
    bool mine = std::find(fields.begin(), fields.end(), f) != fields.end();
    bool changed = std::find(r.conflict.changed.begin(), r.conflict.changed.end(), f) != r.conflict.changed.end();
    if (!mine && !changed) continue;
    b.open("tr", {{"class", mine && changed ? "conflict" : ""}}).el("th", f, {{"scope", "row"}});
    b.el("td", r.base ? shown_value(f, registry::field_value(*r.base, f), *facilities) : "not held here");
    b.el("td", r.current ? shown_value(f, registry::field_value(*r.current, f), *facilities) : "no longer held");
    b.el("td", mine ? shown_value(f, registry::proposed_value(r.c, f), *facilities) : "unchanged").close("tr");
  }
  b.close("tbody").close("table").close("div");
  if (central(req) && role_allows(req.user->role, StaffRole::reviewer) && r.c.state() == registry::CorrectionState::proposed) {
    b.open("form", {{"method", "post"}, {"action", "/corrections/" + net::url_encode(r.c.id) + "/decide"},
                    {"id", "correction-decide"}, {"class", "stack panel"}});
    b.append(csrf_field(req));
    if (!r.conflict.level.empty()) {
      b.open("div", {{"class", "field"}}).open("label", {{"for", "confirm-conflict"}});
      b.empty("input", {{"type", "checkbox"}, {"id", "confirm-conflict"}, {"name", "confirm_conflict"}, {"value", r.conflict.level}});
      b.text(" I compared the values: apply the proposed value despite the " + r.conflict.level + " conflict");
      b.close("label").close("div");
    }
    b.open("div", {{"class", "field"}}).el("label", "Comment for the district (required to reject)", {{"for", "decision-comment"}});
    b.el("textarea", "", {{"id", "decision-comment"}, {"name", "comment"}, {"rows", "3"}, {"dir", "auto"}});
    b.close("div");
    b.el("button", "Accept", {{"type", "submit"}, {"name", "decision"}, {"value", "accept"}, {"id", "correction-accept"}});
    b.text(" ");
    b.el("button", "Reject", {{"type", "submit"}, {"name", "decision"}, {"value", "reject"}, {"id", "correction-reject"}});
    b.close("form");
  }
  return html_page(req, "Correction " + r.c.id, b, status);
}

int http_status(const Status& s) {
  switch (s.code()) {
    case StatusCode::already_exists: return 409;
    case StatusCode::not_found: return 404;
    case StatusCode::invalid_argument: return 400;
    case StatusCode::failed_precondition: return 409;
    case StatusCode::permission_denied: return 403;
    default: return 500;
  }
}

Result<registry::DecisionResult> decide(PageRequest& req, const registry::DecisionRequest& r) {
  Node& node = req.console.node();
  MHERO_ASSIGN_OR_RETURN(auto config, registry::RegistryConfig::from(node.config()));
  registry::PhoneNormalizer phones(config.default_region);
  auto job = node.exclusive(Job::registry);
  return registry::decide_correction(node.store(), node.key(), node.config(), phones, req.console.clock(), r);
}

net::HttpResponse decide_page(PageRequest& req) {
  std::string id = req.param("id"), choice = req.form.value("decision");
  if (choice != "accept" && choice != "reject") {
    return detail_page(req, 400, "Choose Accept or Reject.", "bad");
  }
  registry::DecisionRequest r{id, choice == "accept", req.form.value("comment"), req.user->name,
                              req.form.value("confirm_conflict")};
  auto d = decide(req, r);
  std::string action = r.accept ? "correction.accept" : "correction.reject";
  bool audited = req.audit(action, id, d.ok() ? "ok" : "refused: " + d.status().message());
  if (!d.ok()) return detail_page(req, http_status(d.status()), "Not decided: " + in_form_words(d.status().message()), "bad");
  return detail_page(req, 200,
                     std::string(r.accept ? "Accepted" : "Rejected") + (audited ? "." : ". Warning: the audit entry could not be written."),
                     "ok");
}

net::HttpResponse bulk_page(PageRequest& req) {
  Node& node = req.console.node();
  registry::CorrectionFilter f;
  f.state = registry::CorrectionState::proposed;
  f.district = req.form.value("district");
  f.kind = req.form.value("kind");
  auto list = registry::list_corrections(node.store().views(), f);
  if (!list.ok()) return corrections_read_error(req, list.status());
  std::set<std::string> open_clean;  // Proposed, without conflict, record held: acceptable in bulk.
  for (auto& c : *list) {
    auto row = load_row(node, std::move(c));
    if (!row.ok()) return corrections_read_error(req, row.status());
    if (row->conflict.level.empty() && row->current) open_clean.insert(row->c.id);
  }
  // Exactly the corrections the reviewer was shown, each still open and without conflict.
  std::vector<std::string> clean, changed;
  std::istringstream shown(req.form.value("ids"));
  for (std::string id; shown >> id;) {
    if (std::find(clean.begin(), clean.end(), id) != clean.end()) continue;
    (open_clean.count(id) ? clean : changed).push_back(id);
  }
  if (clean.empty() && changed.empty()) {
    return error_page(req, 400, "No correction named", "The form named no correction to accept. Nothing was accepted.",
                      "Go back to the review queue and use its Accept button.");
  }
  if (!changed.empty()) {
    std::string listed;
    for (size_t i = 0; i < changed.size() && i < 5; ++i) listed += (i ? ", " : "") + changed[i];
    if (changed.size() > 5) listed += " and " + std::to_string(changed.size() - 5) + " more";
    return error_page(req, 409, "The queue changed",
                      counted(changed.size(), "correction") + " you were shown " +
                          (changed.size() == 1 ? "was" : "were") + " decided, or now conflict, since the page was drawn (" +
                          listed + "). Nothing was accepted.",
                      "Go back to the review queue, look at it again, and accept.");
  }
  size_t accepted = 0;
  std::string refused;
  for (const auto& id : clean) {
    auto d = decide(req, registry::DecisionRequest{id, true, "", req.user->name, ""});
    (void)req.audit("correction.accept", id, d.ok() ? "ok (bulk)" : "refused: " + d.status().message());
    if (d.ok()) ++accepted;
    else refused += (refused.empty() ? "" : "; ") + id + ": " + d.status().message();
  }
  Html b;
  b.open("div", {{"class", refused.empty() ? "notice ok" : "notice warn"}, {"role", "status"}, {"id", "bulk-result"}});
  b.el("p", "Accepted " + std::to_string(accepted) + " of " + counted(clean.size(), "correction") + "." +
                (refused.empty() ? "" : " Not accepted: " + refused));
  if (accepted > 0) {
    b.el("p", "The corrected records are in the districts' feeds now: messages use the new values at once here, and "
              "in each district after its next sync or bundle. Each acceptance is in the audit log.");
  }
  b.close("div").open("p").link("/corrections", "Back to the review queue").close("p");
  return html_page(req, "Corrections accepted", b);
}

net::HttpResponse propose_page(PageRequest& req) {
  Node& node = req.console.node();
  std::string id = req.param("id");
  auto config = registry::RegistryConfig::from(node.config());
  if (!config.ok()) return corrections_read_error(req, config.status());
  registry::PhoneNormalizer phones(config->default_region);
  registry::Proposal p;
  p.entity_id = id;
  if (std::string ph = req.form.value("phone"); !ph.empty()) p.phones.push_back(ph);
  auto opt = [&](const char* name) -> std::optional<std::string> {
    std::string v = req.form.value(name);
    return v.empty() ? std::nullopt : std::optional<std::string>(v);
  };
  p.facility_id = opt("facility");
  p.district = opt("district");
  p.status = opt("status");
  p.cadre = opt("cadre");
  p.note = req.form.value("note");
  p.user = req.user->name;
  Html b;
  b.open("p").link("/registry/provider/" + net::url_encode(id), "Back to the record").close("p");
  if (std::string base = req.form.value("based_on"); !base.empty()) {
    auto ref = registry::parse_entry_ref(base);
    if (!ref.ok()) {
      (void)req.audit("correction.propose", id, "refused: " + ref.status().message());
      return error_page(req, 400, "Not proposed", ref.status().message(), "Reload the record page and propose again.");
    }
    p.based_on = *ref;
    p.based_on_updated = req.form.value("based_on_updated");
  }
  Result<registry::Correction> c = failed_precondition("not run");
  registry::ProposalNotes notes;
  {
    auto job = node.exclusive(Job::registry);
    c = registry::propose_correction(node.store(), node.key(), node.config(), phones, p, &notes);
  }
  bool audited = req.audit("correction.propose", id, c.ok() ? "ok: " + c->id : "refused: " + c.status().message());
  if (!c.ok()) {  // The record page again, holding what was typed, with the refusal above the form.
    TypedCorrection typed{req.form.value("phone"),  req.form.value("facility"), req.form.value("district"),
                          req.form.value("status"), req.form.value("cadre"),    req.form.value("note"),
                          in_form_words(c.status().message())};
    return provider_record_page(req, http_status(c.status()), &typed);
  }
  b.open("div", {{"class", "notice ok"}, {"role", "status"}, {"id", "proposal-result"}});
  b.el("p", "Proposed correction " + c->id + " (" + c->kind() + "). " +
                (central(req) ? std::string("It waits in the review queue for a reviewer.")
                              : std::string("The central node's reviewers decide it; its state shows here after the "
                                            "next sync or bundle.")) +
                (audited ? "" : " Warning: the audit entry could not be written."));
  b.close("div");
  if (auto shared = registry::shared_phone_notes(node.store().views(), *c); shared.ok() && !shared->empty()) {
    b.open("div", {{"class", "notice warn"}, {"role", "status"}, {"id", "proposal-shared-phone"}});
    for (const auto& note : *shared) b.el("p", note + ".");
    b.el("p", "If the number is mistyped, propose again with the right one: the newer proposal supersedes this one.");
    b.close("div");
  }
  if (auto lines = notes.lines(); !lines.empty()) {
    b.open("div", {{"class", "notice warn"}, {"role", "status"}, {"id", "proposal-notes"}});
    for (auto& line : lines) {
      line[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(line[0])));
      b.el("p", line + ".");
    }
    b.close("div");
  }
  b.open("p").link("/corrections/" + net::url_encode(c->id), "Follow this correction").close("p");
  return html_page(req, "Correction proposed", b);
}

// The correction form's facility: a choice among the facilities this node holds in the
// provider's district, by name ("unchanged" first; a transfer out names its district below).
// A node that holds none there asks for the entityID. `typed`: the entityID chosen before a
// refusal, chosen again.
void facility_field(Html& b, const registry::ProviderRecord& p, const HeldFacilities& held, const std::string& typed) {
  std::vector<const registry::FacilityRecord*> here;
  for (const auto& [id, f] : held) {
    if (!f.removed && !p.district.empty() && f.district == p.district) here.push_back(&f);
  }
  b.open("div", {{"class", "field"}}).el("label", "New facility", {{"for", "c-facility"}});
  if (here.empty()) {
    b.empty("input", {{"id", "c-facility"}, {"name", "facility"}, {"type", "text"},
                      {"placeholder", "the facility's entityID; leave empty if unchanged"}, {"value", typed}});
    b.close("div");
    return;
  }
  std::sort(here.begin(), here.end(), [](const auto* x, const auto* y) {
    return std::tie(x->name, x->entity_id) < std::tie(y->name, y->entity_id);
  });
  b.open("select", {{"id", "c-facility"}, {"name", "facility"}});
  b.option("", "unchanged", typed.empty());
  for (size_t i = 0; i < here.size(); ++i) {
    const auto& f = *here[i];
    // Two facilities of one name are told apart by their entityIDs.
    bool twin = (i > 0 && here[i - 1]->name == f.name) || (i + 1 < here.size() && here[i + 1]->name == f.name);
    std::string text = f.name.empty() ? f.entity_id : twin ? f.name + " (" + f.entity_id + ")" : f.name;
    bool current = std::find(p.facility_ids.begin(), p.facility_ids.end(), f.entity_id) != p.facility_ids.end();
    b.option(f.entity_id, current ? text + " — current" : text, f.entity_id == typed);
  }
  b.close("select").close("div");
}

// The destination of a transfer out: a district code, typed, with the other districts this node
// holds facilities in offered as suggestions (a district node holds only its own: none then).
void district_field(Html& b, const registry::ProviderRecord& p, const HeldFacilities& held, const std::string& typed) {
  std::set<std::string> others;
  for (const auto& [id, f] : held) {
    if (!f.removed && !f.district.empty() && f.district != p.district) others.insert(f.district);
  }
  b.open("div", {{"class", "field"}}).el("label", "Destination district (transfer out)", {{"for", "c-district"}});
  if (others.empty()) {
    b.empty("input", {{"id", "c-district"}, {"name", "district"}, {"type", "text"}, {"placeholder", "district code"},
                      {"value", typed}});
  } else {
    b.empty("input", {{"id", "c-district"}, {"name", "district"}, {"type", "text"}, {"placeholder", "district code"},
                      {"list", "c-district-codes"}, {"value", typed}});
    b.open("datalist", {{"id", "c-district-codes"}});
    for (const auto& code : others) b.empty("option", {{"value", code}});
    b.close("datalist");
  }
  b.close("div");
}

}  // namespace

void correction_section(Html& b, PageRequest& req, const registry::ProviderRecord& p, const TypedCorrection* typed) {
  Node& node = req.console.node();
  registry::CorrectionFilter f;
  f.entity_id = p.entity_id;
  auto list = registry::list_corrections(node.store().views(), f);
  auto facilities = registry::held_facilities(node.store().views());
  HeldFacilities none;
  const HeldFacilities& held = facilities.ok() ? *facilities : none;  // Unreadable: entityIDs and a text field.
  b.open("section", {{"class", "panel"}, {"id", "provider-corrections"}, {"aria-labelledby", "corrections-h"}});
  b.el("h2", "Corrections", {{"id", "corrections-h"}});
  if (p.source_differs) {
    b.open("div", {{"class", "notice warn"}, {"id", "source-differs"}});
    b.el("p", "Source still differs: correction " + p.correction + " was accepted, and the source registry still "
              "carries another value. The corrected value stays until the source agrees.");
    b.close("div");
  }
  if (list.ok() && !list->empty()) {
    b.open("ul", {{"id", "provider-correction-list"}});
    for (const auto& c : *list) {
      b.open("li").link("/corrections/" + net::url_encode(c.id), c.id).text(": " + change_text(c, held) + " — " +
                                                                             registry::state_name(c.state()));
      if (c.decision && !c.decision->comment.empty()) b.text(" (" + c.decision->comment + ")");
      b.close("li");
    }
    b.close("ul");
  } else {
    b.el("p", "No correction proposed for this record.");
  }
  if (!role_allows(req.user->role, StaffRole::operator_)) {
    b.close("section");
    return;
  }
  auto writer = registry::record_writer(node.store().views(), registry::RecordKind::provider, p.entity_id);
  b.el("h3", "Propose a correction");
  b.el("p", "Fill in only what changed. The central node's reviewers decide it; the record shown above is the "
            "version your correction is based on.", {{"class", "hint"}});
  const TypedCorrection none_typed;
  const TypedCorrection& in = typed != nullptr ? *typed : none_typed;
  if (!in.refusal.empty()) {
    b.open("div", {{"class", "notice bad"}, {"role", "alert"}, {"id", "proposal-refused"}});
    b.el("p", "Not proposed: " + in.refusal + ".");
    b.el("p", "The form below still holds what you typed: correct it and propose again.");
    b.close("div");
  }
  b.open("form", {{"method", "post"}, {"action", "/registry/provider/" + net::url_encode(p.entity_id) + "/correct"},
                  {"id", "correction-propose"}, {"class", "stack"}});
  b.append(csrf_field(req));
  b.empty("input", {{"type", "hidden"}, {"name", "based_on"}, {"value", writer.ok() && *writer ? (*writer)->to_string() : ""}});
  b.empty("input", {{"type", "hidden"}, {"name", "based_on_updated"}, {"value", p.updated}});
  auto field = [&](const char* name, const char* label, const char* hint, const std::string& value) {
    b.open("div", {{"class", "field"}}).el("label", label, {{"for", std::string("c-") + name}});
    b.empty("input", {{"id", std::string("c-") + name}, {"name", name}, {"type", "text"}, {"placeholder", hint},
                      {"value", value}});
    b.close("div");
  };
  field("phone", "New mobile number", "e.g. +231770123456", in.phone);
  facility_field(b, p, held, in.facility);
  district_field(b, p, held, in.district);
  b.open("div", {{"class", "field"}}).el("label", "Status", {{"for", "c-status"}});
  b.open("select", {{"id", "c-status"}, {"name", "status"}});
  for (auto [value, text] : {std::pair{"", "unchanged"}, {"active", "active"}, {"inactive", "inactive"},
                             {"left", "left the post"}}) {
    b.option(value, text, in.status == value);
  }
  b.close("select").close("div");
  field("cadre", "New cadre code", "leave empty if unchanged", in.cadre);
  b.open("div", {{"class", "field"}}).el("label", "Why (required)", {{"for", "c-note"}});
  b.el("textarea", in.note, {{"id", "c-note"}, {"name", "note"}, {"rows", "2"}, {"dir", "auto"}, {"required", Html::kBare}});
  b.close("div");
  b.el("button", "Propose correction", {{"type", "submit"}, {"id", "correction-propose-submit"}});
  b.close("form").close("section");
}

void add_correction_pages(Router& router) {
  router.add("GET", "/corrections", StaffRole::viewer, queue_page);
  router.add("GET", "/corrections/{id}", StaffRole::viewer, [](PageRequest& r) { return detail_page(r, 200, "", ""); });
  router.add("POST", "/corrections/{id}/decide", StaffRole::reviewer, decide_page);
  router.add("POST", "/corrections/accept-all", StaffRole::reviewer, bulk_page);
  router.add("POST", "/registry/provider/{id}/correct", StaffRole::operator_, propose_page);
  router.add_nav("Corrections", "/corrections", StaffRole::viewer,
                 "Review the districts' corrections to health-worker records; see each one's state.");
}

}  // namespace mhero::console
