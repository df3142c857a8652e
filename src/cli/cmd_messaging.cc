// `mhero send`, `mhero dispatch`, `mhero messages list`, `mhero responses list`.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>


#include "cli/context.h"
#include "integrations/rapidpro_time.h"
#include "messaging/answer_view.h"
#include "messaging/compose.h"
#include "messaging/message_query.h"
#include "messaging/messaging_service.h"
#include "messaging/registry_directory.h"
#include "messaging/response_rows.h"
#include "node/periodic_task.h"

namespace mhero::cli {

namespace {

using json = nlohmann::json;

struct SendArgs {
  std::string text, flow, not_before, expires, author;
  std::vector<std::string> text_langs, cadres, districts, facilities, skills, entities;
  bool urgent = false, yes = false;
};

int run_send(Context& ctx, const SendArgs& a) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  Node& n = **node;
  MessageRecord m;
  if (!a.text.empty()) m.texts.emplace_back("", a.text);
  for (auto& lt : a.text_langs) {
    auto eq = lt.find('=');
    if (eq == std::string::npos || eq == 0) return usage_error("--text-lang '" + lt + "': expected LANG=TEXT (e.g. fra=Bonjour)");
    m.texts.emplace_back(lt.substr(0, eq), lt.substr(eq + 1));
  }
  m.flow_uuid = a.flow;
  m.target = {a.cadres, a.districts, a.facilities, a.skills, a.entities};
  m.urgent = a.urgent;
  m.author = a.author.empty() ? std::string(role_name(n.config().role)) : a.author;
  auto now = ctx.clock.now();
  if (!a.not_before.empty()) {
    auto t = parse_when("--not-before", a.not_before, now);
    if (!t.ok()) return fail(t.status());
    m.not_before_ms = *t;
  }
  if (!a.expires.empty()) {
    auto t = parse_when("--expires", a.expires, now);
    if (!t.ok()) return fail(t.status());
    m.expires_at_ms = *t;
  }
  Status ok = prepare_message(m, n.config().role, n.config().district, now);
  if (!ok.ok()) return fail(ok);
  RegistryDirectory directory(n.store().views());
  auto reach = directory.resolve(m.target);
  if (!reach.ok()) return fail(reach.status());
  cli::out() << "This message will reach " << reach->workers.size() << " health worker(s) per the local registry.\n"
            << "Excluded: " << reach->excluded_inactive << " inactive, " << reach->excluded_no_mobile
            << " without a valid mobile number, " << reach->excluded_unassigned << " without a district.\n";
  if (!a.yes) {
    std::string answer = ask("Write it? [y/N] ").value_or("");
    if (answer != "y" && answer != "Y" && answer != "yes") {
      cli::out() << "Nothing written.\n";
      return 0;
    }
  }
  auto entry = write_message(n.store(), n.key(), n.own_scope(), m);
  if (!entry.ok()) return fail(entry.status());
  warn_if_not_enrolled(n, "The message was written here anyway.");
  cli::out() << "message " << m.id << " written to " << n.own_scope() << " seq " << entry->seq() << "\n";
  return 0;
}

int run_dispatch(Context& ctx) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto service = MessagingService::for_node(**node);
  if (!service.ok()) return fail(service.status());
  auto job = (*node)->exclusive(Job::messaging);
  Status s = (*service)->run_once();
  const PollStats& p = (*service)->last_poll();
  cli::out() << "sends: " << (*service)->dispatcher().sends() << ", RapidPro calls: " << (*service)->client().calls()
            << ", responses: " << p.written << " new\n";
  return s.ok() ? 0 : fail(s);
}

std::string iso_or_empty(int64_t ms) { return ms == 0 ? "" : format_rapidpro_time(std::chrono::milliseconds(ms)); }

int run_messages_list(Context& ctx, bool as_json) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto list = list_messages((*node)->store().views());
  if (!list.ok()) return fail(list.status());
  json out = json::array();
  for (auto& s : *list) {
    const auto& m = s.message;
    std::string content = m.flow_uuid.empty() ? (m.texts.empty() ? "" : m.texts[0].second) : "flow " + m.flow_uuid;
    if (as_json) {
      out.push_back({{"id", m.id}, {"state", s.state()}, {"description", s.describe()}, {"sent", s.sent_count()},
                     {"targeted", s.targeted_count()}, {"error", s.summary ? s.summary->error : ""},
                     {"responses", s.responses}, {"urgent", m.urgent}, {"scope", m.scope}, {"flow", m.flow_uuid},
                     {"not_before", iso_or_empty(m.not_before_ms)}, {"expires", iso_or_empty(m.expires_at_ms)},
                     {"written", iso_or_empty(m.written_ms)}});
    } else {
      cli::out() << m.id << "  " << (m.urgent ? "urgent " : "routine") << "  " << m.scope << "  " << s.describe()
                << "  responses " << s.responses << "  " << (content.size() > 40 ? content.substr(0, 40) + "…" : content)
                << "\n";
    }
  }
  if (as_json) cli::out() << out.dump(2) << "\n";
  return 0;
}

int run_responses_list(Context& ctx, const std::string& message, const std::string& district, bool as_json, bool csv) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  // Streamed from the answers view in answer-time order: memory stays one response (--json
  // writes its array element by element). The rows are response_rows.h's, as the console's.
  std::ostream& out = cli::out();
  if (csv) out << response_csv_header();
  if (as_json) out << "[";
  size_t n = 0;
  Status s = scan_answers((*node)->store().views(), {message, district}, "", [&](const ResponseRecord& r, const std::string&) {
    if (as_json) {
      out << (n == 0 ? "\n  " : ",\n  ") << response_json(r).dump();
    } else if (csv) {
      out << response_csv_row(r);
    } else {
      std::string at = r.answered_at_ms == 0 ? "" : format_rapidpro_time(std::chrono::milliseconds(r.answered_at_ms));
      std::string answer = response_answer_text(r);
      out << at << "  " << r.district << "  " << r.entity_id << "  " << (r.message_id.empty() ? "-" : r.message_id)
          << "  " << (r.values.empty() ? "text: " : "") << (answer.empty() ? "(empty)" : answer) << "\n";
    }
    ++n;
    return true;
  });
  if (as_json) out << (n == 0 ? "]\n" : "\n]\n");
  if (!s.ok()) return fail(s);
  return 0;
}

}  // namespace

void add_messaging_commands(CLI::App& app, Context& ctx) {
  // `mhero run` on the central node: dispatch and collect responses every poll_interval_ms.
  ctx.run_hooks.push_back([](Node& node, std::vector<PeriodicTask>& tasks) {
    if (node.config().role != Role::central) return;
    auto service = MessagingService::for_node(node);
    if (!service.ok()) {
      spdlog::warn("messaging disabled in mhero run: {}", service.status().to_string());
      return;
    }
    std::shared_ptr<MessagingService> shared = std::move(service).value();
    auto every = shared->client().config().poll_interval;
    tasks.push_back({"messaging", every, [shared, &node] {
                       auto job = node.exclusive(Job::messaging);
                       Status s = shared->run_once();
                       if (!s.ok()) spdlog::warn("messaging: {}", s.to_string());
                     }});
  });

  auto a = std::make_shared<SendArgs>();
  auto* send = app.add_subcommand("send", "Compose an outgoing message (text or RapidPro flow) for targeted health workers");
  add_dir_option(*send, ctx);
  send->add_option("--text", a->text, "Message text (default language)");
  send->add_option("--text-lang", a->text_langs, "Translation LANG=TEXT, ISO 639-3 (repeatable)");
  send->add_option("--flow", a->flow, "RapidPro flow UUID to start instead of a text");
  send->add_option("--cadre", a->cadres, "Cadre code (repeatable; OR within, AND across kinds)");
  send->add_option("--district", a->districts, "District code (repeatable; a district node: only its own)");
  send->add_option("--facility", a->facilities, "Facility entityID (repeatable)");
  send->add_option("--skill", a->skills, "Skill (specialty/credential) code (repeatable)");
  send->add_option("--entity", a->entities, "Provider entityID (repeatable)");
  send->add_flag("--urgent", a->urgent, "Urgent: dispatched and replicated before routine messages");
  send->add_option("--not-before", a->not_before, "Do not send before: ISO 8601 UTC or +N[s|m|h|d]");
  send->add_option("--expires", a->expires, "Never send after: ISO 8601 UTC or +N[s|m|h|d]");
  send->add_option("--author", a->author, "Author label (a role, not a personal name); default: node role");
  send->add_flag("--yes", a->yes, "Write without asking (scripts)");
  send->callback([&ctx, a] { ctx.action = [&ctx, a] { return run_send(ctx, *a); }; });

  auto* dispatch = app.add_subcommand("dispatch", "Central: hand due messages to RapidPro once, then collect responses");
  add_dir_option(*dispatch, ctx);
  dispatch->callback([&ctx] { ctx.action = [&ctx] { return run_dispatch(ctx); }; });

  auto* messages = app.add_subcommand("messages", "Outgoing messages and their states");
  messages->require_subcommand(1);
  auto json_flag = std::make_shared<bool>(false);
  auto* mlist = messages->add_subcommand("list", "Per message: state (pending, dispatching, dispatched n/m, failed, expired), responses");
  add_dir_option(*mlist, ctx);
  mlist->add_flag("--json", *json_flag, "JSON output");
  mlist->callback([&ctx, json_flag] { ctx.action = [&ctx, json_flag] { return run_messages_list(ctx, *json_flag); }; });

  struct RespArgs {
    std::string message, district;
    bool json = false, csv = false;
  };
  auto r = std::make_shared<RespArgs>();
  auto* responses = app.add_subcommand("responses", "Health workers' answers");
  responses->require_subcommand(1);
  auto* rlist = responses->add_subcommand("list", "List responses held here");
  add_dir_option(*rlist, ctx);
  rlist->add_option("--message", r->message, "Only answers to this message id");
  rlist->add_option("--district", r->district, "Only answers from this district code");
  auto* jf = rlist->add_flag("--json", r->json, "JSON output");
  rlist->add_flag("--csv", r->csv, "CSV output")->excludes(jf);
  rlist->callback([&ctx, r] {
    ctx.action = [&ctx, r] { return run_responses_list(ctx, r->message, r->district, r->json, r->csv); };
  });
}

}  // namespace mhero::cli
