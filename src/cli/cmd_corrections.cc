// `mhero registry correct …` (any node) and `mhero registry corrections list|decide` (decide on
// the central node): the correction loop of DESIGN.md "Corrections, provenance, node health".
// `registry corrections export` is in cmd_corrections_export.cc.
#include <cctype>
#include <cstdlib>

#include "cli/context.h"
#include "console/audit.h"
#include "messaging/validation.h"
#include "registry/correction_desk.h"
#include "registry/registry_query.h"
#include "registry/registry_config.h"
#include "util/plural.h"

namespace mhero::cli {

namespace {

struct CorrectArgs {
  std::string entity_id;
  std::vector<std::string> phones;
  std::string district, note, based_on, user;  // district: list's filter.
  // correct: given (even empty, which is refused) or not.
  std::optional<std::string> new_facility, new_district, new_status, new_cadre;
  bool by_worker = false;
  // list
  std::string state, kind;
  bool json = false, refused = false;
  // decide
  std::string id, comment, reviewer, confirm;
  bool accept = false, reject = false;
};

/// Whether `name` reads as "rapidpro run …", the proposer name of a validation flow's answers, in
/// any case and spacing.
bool reserved_user(std::string_view name) {
  std::string words;
  for (char ch : name) {
    bool space = std::isspace(static_cast<unsigned char>(ch));
    if (space && (words.empty() || words.back() == ' ')) continue;
    words += space ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return words.starts_with("rapidpro run");
}

void print_correction(const registry::Correction& c) {
  cli::out() << c.id << "\t" << registry::state_name(c.state()) << "\t" << c.entity_id << "\t"
             << (c.district.empty() ? "-" : c.district) << "\t" << c.kind();
  for (const auto& f : c.change.fields()) cli::out() << "\t" << f << "=" << registry::proposed_value(c, f);
  if (c.by_worker) cli::out() << "\tproposed by the health worker (" << c.proposer_user << ")";
  if (c.decision && !c.decision->comment.empty()) cli::out() << "\tcomment: " << c.decision->comment;
  cli::out() << "\n";
}

int run_correct(Context& ctx, const CorrectArgs& a) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto config = registry::RegistryConfig::from((*node)->config());
  if (!config.ok()) return fail(config.status());
  registry::PhoneNormalizer phones(config->default_region);
  registry::Proposal p;
  p.entity_id = a.entity_id;
  p.phones = a.phones;
  p.facility_id = a.new_facility;
  p.district = a.new_district;
  p.status = a.new_status;
  p.cadre = a.new_cadre;
  p.note = a.note;
  p.user = a.user.empty() ? os_user() : a.user;
  if (reserved_user(p.user)) {
    return usage_error("--user \"" + a.user + "\": names starting \"rapidpro run\" are the validation flow's own "
                       "(the health worker's answer to a RapidPro run); give your name");
  }
  p.by_worker = a.by_worker;
  if (!a.based_on.empty()) {
    auto ref = registry::parse_entry_ref(a.based_on);
    if (!ref.ok()) return fail(ref.status().with_context("--based-on"));
    p.based_on = *ref;
  }
  auto job = (*node)->exclusive(Job::registry);
  registry::ProposalNotes notes;
  auto c = registry::propose_correction((*node)->store(), (*node)->key(), (*node)->config(), phones, p, &notes);
  if (!c.ok()) return fail(c.status());
  cli::out() << "proposed correction " << c->id << " of " << c->entity_id << " (" << c->kind()
             << "), based on " << (c->based_on.seq ? c->based_on.to_string() : std::string("an unknown version"))
             << "\n";
  auto shared = registry::shared_phone_notes((*node)->store().views(), *c);
  if (!shared.ok()) return fail(shared.status());
  for (const auto& note : *shared) {
    cli::err() << "note: " << note << ". If the number is mistyped, propose "
               << "again with the right one (the newer proposal supersedes this one).\n";
  }
  for (const auto& line : notes.lines()) cli::err() << "note: " << line << ".\n";
  warn_if_not_enrolled(**node, "The correction was written here anyway.");
  return 0;
}

/// The validation answers that could not become corrections (messaging/validation.h), newest first.
int run_list_refused(Node& node, const CorrectArgs& a) {
  auto refused = refused_proposals(node.store());
  if (!refused.ok()) return fail(refused.status());
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : *refused) out.push_back(to_json(r));
    cli::out() << out.dump(2) << "\n";
    return 0;
  }
  for (const auto& r : *refused) {
    if (!a.district.empty() && r.district != a.district) continue;
    cli::out() << "run " << r.run_uuid << "\trefused\t" << r.entity_id << "\t" << (r.district.empty() ? "-" : r.district)
               << "\t" << r.flow << "\tanswer: " << r.answer << "\treason: " << r.reason << "\n";
  }
  cli::err() << refused->size() << " refused proposals from validation flows\n";
  return 0;
}

/// One correction as a reviewer weighs it: who proposed what and why, each field it changes as
/// base (the version the proposer saw), current and proposed, the conflict, and a shared phone.
int run_show(Context& ctx, const CorrectArgs& a) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  const ViewReader& views = (*node)->store().views();
  auto c = registry::find_correction(views, a.id);
  if (!c.ok()) return fail(c.status());
  print_correction(*c);
  cli::out() << "proposed by " << (c->proposer_user.empty() ? "(no name)" : c->proposer_user)
             << (c->by_worker ? ", on the health worker's behalf" : "") << ", on node "
             << c->entry.feed.author.short_hex() << " (" << c->entry.feed.scope << ")\n";
  // A note's and a comment's further lines are indented, so that none reads as a line of ours
  // ("accepted by …").
  auto indented = [](std::string text) {
    for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 3)) text.insert(at + 1, "  ");
    return text;
  };
  cli::out() << "note: " << indented(c->note) << "\n";
  if (c->decision) {
    cli::out() << (c->decision->accepted ? "accepted" : "rejected") << " by " << c->decision->reviewer
               << (c->decision->comment.empty() ? "" : ": " + indented(c->decision->comment)) << "\n";
  }
  auto base = registry::provider_in_entry((*node)->store(), c->based_on, c->entity_id);
  if (!base.ok()) return fail(base.status());
  auto current = registry::find_provider(views, c->entity_id);
  if (!current.ok() && current.status().code() != StatusCode::not_found) return fail(current.status());
  auto value = [](const std::optional<registry::ProviderRecord>& r, const std::string& field) {
    return r ? registry::field_value(*r, field) : std::string("(not held)");
  };
  std::optional<registry::ProviderRecord> now;
  if (current.ok()) now = *current;
  cli::out() << "field\tbase\tcurrent\tproposed\n";
  for (const auto& field : c->change.fields()) {
    cli::out() << field << "\t" << value(*base, field) << "\t" << value(now, field) << "\t"
               << registry::proposed_value(*c, field) << "\n";
  }
  if (now && c->state() == registry::CorrectionState::proposed) {
    auto conflict = registry::find_conflict(*base, *now, *c);
    if (!conflict.level.empty()) {
      std::string fields;
      for (const auto& f : conflict.changed) fields += (fields.empty() ? "" : ", ") + f;
      cli::out() << conflict.level << " conflict: changed since the base: " << fields << "\n";
    }
    auto shared = registry::shared_phone_notes(views, *c);
    if (shared.ok()) {
      for (const auto& line : *shared) cli::out() << "shared phone: " << line << "\n";
    }
    if (auto config = registry::RegistryConfig::from((*node)->config()); config.ok()) {
      registry::PhoneNormalizer phones(config->default_region);
      for (const auto& line : registry::foreign_phone_notes(*c, phones)) cli::out() << "foreign phone: " << line << "\n";
    }
  }
  return 0;
}

int run_list(Context& ctx, const CorrectArgs& a) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  if (a.refused) return run_list_refused(**node, a);
  registry::CorrectionFilter f;
  if (!a.state.empty()) {
    f.state = registry::parse_state(a.state);
    if (!f.state) return usage_error("--state must be proposed, accepted, rejected or superseded, not '" + a.state + "'");
  }
  f.district = a.district;
  f.kind = a.kind;
  auto list = registry::list_corrections((*node)->store().views(), f);
  if (!list.ok()) return fail(list.status());
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : *list) out.push_back(registry::to_json(c));
    cli::out() << out.dump(2) << "\n";
    return 0;
  }
  for (const auto& c : *list) print_correction(c);
  cli::err() << counted(list->size(), "correction") << "\n";
  return 0;
}

int run_decide(Context& ctx, const CorrectArgs& a) {
  if (a.accept == a.reject) return usage_error("give exactly one of --accept or --reject");
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto config = registry::RegistryConfig::from((*node)->config());
  if (!config.ok()) return fail(config.status());
  registry::PhoneNormalizer phones(config->default_region);
  registry::DecisionRequest r{a.id, a.accept, a.comment, a.reviewer.empty() ? os_user() : a.reviewer, a.confirm};
  Result<registry::DecisionResult> d = failed_precondition("not run");
  {
    auto job = (*node)->exclusive(Job::registry);
    d = registry::decide_correction((*node)->store(), (*node)->key(), (*node)->config(), phones, ctx.clock, r);
  }
  console::AuditRecord audit{ctx.clock.now().count(), r.reviewer, a.accept ? "correction.accept" : "correction.reject",
                             a.id, d.ok() ? "ok" : "refused: " + d.status().message(), "cli:" + os_user("?"), "", 0};
  Status audited = console::append_audit(**node, audit);
  if (!d.ok()) return fail(d.status());
  if (!audited.ok()) return fail(audited.with_context("the decision was written but its audit entry was not"));
  cli::out() << registry::state_name(d->correction.state()) << " correction " << a.id;
  if (!d->conflict.level.empty()) cli::out() << " (" << d->conflict.level << " conflict, confirmed)";
  cli::out() << "; " << d->delta_entries << " registry entries written\n";
  if (a.accept) {  // What the proposer was told: the reviewer hears it too.
    auto shared = registry::shared_phone_notes((*node)->store().views(), d->correction);
    if (shared.ok()) {
      for (const auto& note : *shared) cli::err() << "note: " << note << ".\n";
    }
    for (const auto& note : registry::foreign_phone_notes(d->correction, phones)) cli::err() << "note: " << note << ".\n";
  }
  return 0;
}

}  // namespace

void add_export_command(CLI::App& corrections, Context& ctx);  // cmd_corrections_export.cc

void add_correction_commands(CLI::App& reg, Context& ctx) {
  auto a = std::make_shared<CorrectArgs>();
  auto* correct = reg.add_subcommand(
      "correct", "Propose a correction of a provider's record (reviewed on the central node's console)");
  add_dir_option(*correct, ctx);
  correct->add_option("entity_id", a->entity_id, "CSD entityID of the provider")->required();
  correct->add_option("--phone", a->phones, "New mobile number (replaces the BP numbers); repeatable");
  correct->add_option("--facility", a->new_facility, "New facility entityID");
  correct->add_option("--district", a->new_district, "Destination district code of a transfer out");
  correct->add_option("--status", a->new_status, "active, inactive or left (left the post)");
  correct->add_option("--cadre", a->new_cadre, "New cadre code");
  correct->add_option("--note", a->note, "Why (what the district knows)")->required();
  correct->add_option("--based-on", a->based_on,
                      "The version seen (<author hex>/<scope>/<seq> as `registry show` prints it); default: "
                      "the record held now");
  correct->add_option("--user", a->user, "Proposer's name (default: $USER)");
  correct->add_flag("--by-worker", a->by_worker, "Proposed on the health worker's behalf (their own answer)");
  correct->callback([&ctx, a] { ctx.action = [&ctx, a] { return run_correct(ctx, *a); }; });

  auto* corrections = reg.add_subcommand("corrections", "Registry corrections: list, decide, export");
  corrections->require_subcommand(1);
  auto* list = corrections->add_subcommand("list", "Corrections held here and their state, oldest first");
  add_dir_option(*list, ctx);
  list->add_option("--state", a->state, "proposed, accepted, rejected or superseded");
  list->add_option("--district", a->district, "District code of the record");
  list->add_option("--kind", a->kind, "phone, facility, transfer, status, cadre or several");
  list->add_flag("--json", a->json, "Print JSON");
  list->add_flag("--refused", a->refused,
                 "Central: health workers' validation-flow answers that could not become corrections, and why");
  list->callback([&ctx, a] { ctx.action = [&ctx, a] { return run_list(ctx, *a); }; });

  auto* show = corrections->add_subcommand("show", "One correction: base, current and proposed values, its conflict");
  add_dir_option(*show, ctx);
  show->add_option("id", a->id, "Correction id (as `corrections list` prints it)")->required();
  show->callback([&ctx, a] { ctx.action = [&ctx, a] { return run_show(ctx, *a); }; });

  auto* decide = corrections->add_subcommand("decide", "Accept or reject a correction (central node)");
  add_dir_option(*decide, ctx);
  decide->add_option("id", a->id, "Correction id (as `corrections list` prints it)")->required();
  decide->add_flag("--accept", a->accept, "Accept: the record changes for every node");
  decide->add_flag("--reject", a->reject, "Reject (needs --comment)");
  decide->add_option("--comment", a->comment, "The reviewer's comment for the district");
  decide->add_option("--reviewer", a->reviewer, "Reviewer's name (default: $USER)");
  decide->add_option("--confirm-conflict", a->confirm, "soft or hard: accept although the record changed since");
  decide->callback([&ctx, a] { ctx.action = [&ctx, a] { return run_decide(ctx, *a); }; });
  add_export_command(*corrections, ctx);
}

}  // namespace mhero::cli
