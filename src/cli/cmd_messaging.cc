// `mhero send`, `mhero dispatch`, `mhero messages list`, `mhero responses list`.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <initializer_list>
#include <regex>


#include "cli/context.h"
#include "console/audit.h"
#include "integrations/openhim_config.h"
#include "integrations/rapidpro_time.h"
#include "messaging/answer_view.h"
#include "messaging/cancel.h"
#include "messaging/compose.h"
#include "messaging/flow_list.h"
#include "messaging/message_query.h"
#include "messaging/messaging_service.h"
#include "messaging/reach_preview.h"
#include "messaging/registry_directory.h"
#include "messaging/response_provenance.h"
#include "messaging/response_rows.h"
#include "messaging/target_choices.h"
#include "node/periodic_task.h"
#include "registry/registry_query.h"
#include "replication/peer_status.h"
#include "util/utf8.h"

namespace mhero::cli {

namespace {

using json = nlohmann::json;

bool looks_like_uuid(const std::string& s) {
  static const std::regex uuid(R"(^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)");
  return std::regex_match(s, uuid);
}

struct SendArgs {
  std::string text, flow, not_before, expires, author, user;
  std::vector<std::string> text_langs, cadres, districts, facilities, skills, entities, channels;
  bool urgent = false, yes = false;
  bool text_given = false;  // --text was on the command line (perhaps as "").
};

/// Text typed at a shell may come in another encoding; RapidPro, the node's JSON views and the
/// console take UTF-8 only. "" when every value is UTF-8; else the usage error's message.
std::string not_utf8(std::initializer_list<std::pair<const char*, const std::vector<std::string>*>> options) {
  for (const auto& [option, values] : options) {
    for (const auto& value : *values) {
      if (auto at = invalid_utf8_at(value)) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(value[*at]));
        return std::string(option) + " is not UTF-8 text (byte " + hex + " at offset " + std::to_string(*at) +
               "): set the terminal to UTF-8 (e.g. LANG=C.UTF-8) and type it again";
      }
    }
  }
  return "";
}

/// Audits a staff action taken on the command line, as the console audits its own (client
/// "cli:<login name>": `/audit` lists both). `outcome`: "ok" or "refused: …".
Status audit_cli(Node& n, const Clock& clock, const std::string& user, const char* action, const std::string& object,
                 const std::string& outcome) {
  return console::append_audit(
      n, console::AuditRecord{clock.now().count(), user, action, object, outcome, "cli:" + os_user("?"), "", 0});
}

/// Every code and entityID of `target` is carried by a provider this node holds (values of a kind
/// are OR-ed, so a mistyped one among good ones would be dropped without a word). Passes when the
/// node holds no registry yet. Errors: invalid_argument naming each option and value, with what
/// is held; corruption from the views.
Status known_target(const ViewReader& views, const MessageTarget& target) {
  MHERO_ASSIGN_OR_RETURN(TargetChoices held, target_choices(views));
  UnknownTargetCodes unknown = unknown_target_codes(held, target);
  std::vector<std::string> problems;
  auto note = [&](const char* option, const char* kind, const std::vector<std::string>& codes,
                  const std::vector<TargetChoice>& choices) {
    if (!codes.empty()) problems.push_back(std::string(option) + ": " + unknown_codes_text(kind, codes, choices));
  };
  note("--cadre", "cadre", unknown.cadres, held.cadres);
  note("--skill", "skill", unknown.skills, held.skills);
  note("--district", "district", unknown.districts, held.districts);
  note("--facility", "facility", unknown.facilities, held.facilities);
  MHERO_ASSIGN_OR_RETURN(auto absent, unknown_entity_ids(views, target.entity_ids));
  if (!absent.empty()) {
    std::string listed;
    for (size_t i = 0; i < absent.size(); ++i) listed += (i ? ", \"" : "\"") + absent[i] + "\"";
    problems.push_back("--entity: no health worker with the entityID " + listed + " is in this node's registry");
  }
  if (problems.empty()) return {};
  std::string text = "nothing written: ";
  for (size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
  return invalid_argument(text + ". Correct or remove " + (problems.size() == 1 ? "it" : "them") +
                          " (`mhero registry list` shows the workers held, with their codes)");
}

int run_send(Context& ctx, const SendArgs& a) {
  const std::vector<std::string> text{a.text}, flow{a.flow}, author{a.author}, user{a.user};
  if (std::string bad = not_utf8({{"--text", &text}, {"--text-lang", &a.text_langs}, {"--flow", &flow},
                                  {"--author", &author}, {"--user", &user}, {"--cadre", &a.cadres},
                                  {"--district", &a.districts}, {"--facility", &a.facilities}, {"--skill", &a.skills},
                                  {"--entity", &a.entities}});
      !bad.empty()) {
    return fail(invalid_argument(bad));
  }
  if (a.text_given && a.text.empty()) {
    return fail(invalid_argument("--text is empty: write the message (or give --flow instead of --text)"));
  }
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
  if (!a.flow.empty() && !looks_like_uuid(a.flow)) {
    // A flow NAME: from the flow list the central node shares (works offline).
    auto held = held_flows(n.store().views());
    if (!held.ok()) return fail(held.status());
    auto flow = flow_by_name(held->value_or(FlowList{}), a.flow);
    if (!flow.ok()) return fail(Status(flow.status().code(), "--flow: " + flow.status().message()));
    m.flow_uuid = flow->uuid;
    m.flow_name = flow->name;
  }
  m.author_node = n.id().hex();
  m.target = {a.cadres, a.districts, a.facilities, a.skills, a.entities};
  m.urgent = a.urgent;
  m.channels = a.channels;
  m.author = a.author.empty() ? std::string(role_name(n.config().role)) : a.author;
  m.staff_user = a.user.empty() ? os_user("") : a.user;  // Unknown: the author label alone shows.
  auto now = ctx.clock.now();
  // Not-before and expiry are judged by the central node's clock (it dispatches): on a district
  // whose clock the last sync found off, delays ("+30m") and the "in the past" checks count from
  // the central node's time.
  if (n.config().role == Role::district && n.config().central_key) {
    for (const PeerRecord& p : load_peer_records(n.store())) {
      if (!p.node || *p.node != *n.config().central_key || !p.clock_offset_ms) continue;
      int64_t offset = *p.clock_offset_ms;  // This node's clock minus central's.
      if (std::abs(offset) >= 60'000 && (!a.not_before.empty() || !a.expires.empty())) {
        now -= std::chrono::milliseconds(offset);
        cli::err() << "note: this node's clock is " << sync::human_skew(offset) << (offset > 0 ? " ahead of" : " behind")
                   << " the central node's (measured at the last sync, " << iso_time_ms(p.last_attempt_ms)
                   << "); --not-before and --expires count from the central node's clock, which dispatches ("
                   << iso_time_ms(now.count()) << " there now). Set this node's clock right "
                   << "(`timedatectl set-ntp true`).\n";
      }
      break;
    }
  }
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
  if (Status known = known_target(n.store().views(), m.target); !known.ok()) return fail(known);
  auto order = load_channel_order(n.config().table);
  if (!order.ok()) return fail(order.status());
  RegistryDirectory directory(n.store().views(), *order);
  auto reach = directory.resolve(m.target, m.channels);
  if (!reach.ok()) return fail(reach.status().code() == StatusCode::invalid_argument && !m.channels.empty()
                                   ? Status(StatusCode::invalid_argument, "--channel: " + reach.status().message())
                                   : reach.status());
  cli::out() << "This message will reach " << reach->workers.size() << " health worker(s) per the local registry.\n"
            << "Excluded: " << reach->excluded_inactive << " inactive, " << reach->excluded_no_mobile
            << " without a valid mobile number or messaging address, " << reach->excluded_unassigned
            << " without a district";
  if (!m.channels.empty()) cli::out() << ", " << reach->excluded_no_channel << " reachable only on other channels";
  cli::out() << ".\n";
  for (const auto& line : preview_lines(preview_reach(*reach, m))) cli::out() << line << "\n";
  m.previewed_count = static_cast<uint32_t>(reach->workers.size());
  if (reach->workers.empty()) {
    // A node holding no registry yet (a new district) writes anyway: the central node resolves
    // the target when it dispatches. One that holds providers refuses a target none of them
    // matches (a mistyped code would otherwise become a message sent to nobody).
    bool any = false;
    Status scanned = registry::for_each_provider(n.store().views(), [&](const registry::ProviderRecord&) {
      any = true;
      return false;  // One is enough.
    });
    if (!scanned.ok()) return fail(scanned);
    if (any) {
      return fail(failed_precondition(
          std::string("nothing written: no health worker with a valid mobile matches this target ") +
          (m.channels.empty() ? "" : "on the channels given (--channel) ") +
          "in this node's registry (check the codes with `mhero registry stats`)"));
    }
    cli::out() << "This node holds no registry yet: the central node resolves the target when it dispatches.\n";
  }
  if (!a.yes) {
    std::string answer = ask("Write it? [y/N] ").value_or("");
    if (answer != "y" && answer != "Y" && answer != "yes") {
      cli::out() << "Nothing written.\n";
      return 0;
    }
  }
  std::string scope = message_scope(m, n.config().role, n.own_scope());
  auto entry = write_message(n.store(), n.key(), scope, m);
  if (!entry.ok()) return fail(entry.status());
  if (Status audited = audit_cli(n, ctx.clock, m.staff_user, "message.compose", m.id, "ok"); !audited.ok()) {
    return fail(audited.with_context("the message " + m.id + " was written but its audit entry was not"));
  }
  warn_if_not_enrolled(n, "The message was written here anyway.");
  cli::out() << "message " << m.id << " written to " << scope << " seq " << entry->seq() << "\n";
  if (n.config().role == Role::central && string_or(n.config().table, "rapidpro", "url", "").empty()) {
    cli::out() << "Messaging is off on this central node ([rapidpro] url is not set in config.toml): the message "
                  "waits until it is set and `mhero run` restarted (`mhero alarms` lists what waits).\n";
  }
  return 0;
}

int run_dispatch(Context& ctx, size_t max_batches) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  DispatcherOptions options;
  options.max_batches_per_pass = max_batches;
  auto service = MessagingService::for_node(**node, options);
  if (!service.ok()) return fail(service.status());
  auto job = (*node)->exclusive(Job::messaging);
  Status s = (*service)->run_once();
  const PollStats& p = (*service)->last_poll();
  const Dispatcher& d = (*service)->dispatcher();
  cli::out() << "sends: " << d.sends() << ", RapidPro calls: " << (*service)->client().calls()
            << ", responses: " << p.written << " new\n";
  if (d.workers_sent() > 0) {
    cli::out() << "finished messages reached " << d.workers_sent() << " worker(s) on " << d.phones_sent()
               << " phone(s) (one SMS per phone)\n";
  }
  if (s.code() == StatusCode::resource_exhausted && s.message().find("the disk is full") == std::string::npos) {
    // A write before the sends (contacts, responses) found the disk full.
    return fail(resource_exhausted("dispatch stopped: the disk is full (" + s.message() + "). Free disk space in " +
                                   ctx.dir + " and run `mhero dispatch` again (`mhero run` retries by "
                                   "itself); nothing RapidPro already accepted is sent twice"));
  }
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
                     {"targeted", s.summary || !s.batches.empty() ? json(s.targeted_count()) : json(nullptr)}, {"phones", s.phone_count()},
                     {"cancelled_by", s.cancel ? json(s.cancel->staff_user) : json(nullptr)},
                     {"cancel_reason", s.cancel ? json(s.cancel->reason) : json(nullptr)},
                     {"staff_user", m.staff_user}, {"flow_name", m.flow_name}, {"error", s.summary ? s.summary->error : ""},
                     {"responses", s.responses}, {"urgent", m.urgent}, {"scope", m.scope}, {"flow", m.flow_uuid},
                     {"channels", m.channels},
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

struct CancelArgs {
  std::string id, reason, user;
};

int run_messages_cancel(Context& ctx, const CancelArgs& a) {
  const std::string& id = a.id;
  const std::vector<std::string> reason{a.reason}, user{a.user};
  if (std::string bad = not_utf8({{"--reason", &reason}, {"--user", &user}}); !bad.empty()) {
    return fail(invalid_argument(bad));
  }
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  Node& n = **node;
  auto state = message_state(n.store().views(), id);
  if (!state.ok()) return fail(state.status());
  const std::string who = a.user.empty() ? os_user("") : a.user;
  Status allowed = check_cancel(*state, n.config().role, n.config().district);
  if (!allowed.ok()) {
    (void)audit_cli(n, ctx.clock, who, "message.cancel", id, "refused: " + allowed.message());
    return fail(allowed);
  }
  CancelRecord c{id, who, a.reason, ctx.clock.now().count(), "", ""};
  auto entry = write_cancel(n.store(), n.key(), cancel_scope(*state), c);
  if (!entry.ok()) {
    (void)audit_cli(n, ctx.clock, who, "message.cancel", id, "refused: " + entry.status().message());
    return fail(entry.status());
  }
  if (Status audited = audit_cli(n, ctx.clock, who, "message.cancel", id, "ok"); !audited.ok()) {
    return fail(audited.with_context("the cancel was written but its audit entry was not"));
  }
  cli::out() << "message " << id << " cancelled; " << state->sent_count()
             << " health worker(s) had already been handed to RapidPro (as known here); cancel written to "
             << cancel_scope(*state) << " seq " << entry->seq() << "\n";
  if (n.config().role == Role::district) {
    cli::out() << "The central node's dispatcher stops once the cancel reaches it (next sync or bundle).\n";
  }
  return 0;
}

int run_flows_list(Context& ctx, bool as_json) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto held = held_flows((*node)->store().views());
  if (!held.ok()) return fail(held.status());
  if (!*held) {
    if (as_json) {
      cli::out() << "[]\n";
    } else {
      cli::out() << "No flow list held yet: the central node shares it (`mhero flows pull` there).\n";
    }
    return 0;
  }
  json out = json::array();
  for (const auto& f : (*held)->flows) {
    if (as_json) {
      out.push_back({{"uuid", f.uuid}, {"name", f.name}, {"type", f.type}, {"archived", f.archived},
                     {"expires_minutes", f.expires_minutes}, {"result_keys", f.result_keys}});
    } else {
      cli::out() << f.uuid << "  " << (f.archived ? "archived" : "active  ") << "  " << f.type << "  " << f.name << "\n";
    }
  }
  if (as_json) {
    cli::out() << out.dump(2) << "\n";
  } else {
    cli::out() << (*held)->flows.size() << " flow(s), listed by the central node at "
               << iso_or_empty((*held)->fetched_at_ms) << "\n";
  }
  return 0;
}

int run_flows_pull(Context& ctx) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto service = MessagingService::for_node(**node);
  if (!service.ok()) return fail(service.status());
  auto flows = fetch_flows((*service)->client());
  if (!flows.ok()) return fail(flows.status());
  size_t count = flows->size();
  auto wrote = share_flows((*node)->store(), (*node)->key(), ctx.clock, std::move(flows).value());
  if (!wrote.ok()) return fail(wrote.status());
  cli::out() << count << " flow(s) listed by RapidPro; "
             << (*wrote ? "the new list was written to national (districts get it with the next sync or bundle)"
                        : "unchanged, nothing written")
             << "\n";
  return 0;
}

int run_responses_list(Context& ctx, const std::string& message, const std::string& district, bool as_json, bool csv,
                       bool provenance) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  // Streamed from the answers view in answer-time order: memory stays one response (--json
  // writes its array element by element). The rows are response_rows.h's, as the console's.
  std::ostream& out = cli::out();
  if (csv) out << response_csv_header();
  if (as_json) out << "[";
  size_t n = 0;
  Status bad;
  Status s = scan_answers((*node)->store().views(), {message, district}, "", [&](const ResponseRecord& r, const std::string&) {
    // --provenance: where the answer came from, which entry carries it, how it reached this node.
    std::vector<registry::ProvenanceStep> chain;
    if (provenance) {
      auto got = response_provenance((*node)->store(), (*node)->id(), r.source_id);
      if (!got.ok()) {
        bad = got.status();
        return false;
      }
      chain = std::move(got).value();
    }
    if (as_json) {
      nlohmann::json row = response_json(r);
      if (provenance) {
        row["provenance"] = nlohmann::json::array();
        for (const auto& st : chain) {
          row["provenance"].push_back({{"step", st.step}, {"at_ms", st.at_ms}, {"text", st.text}, {"detail", st.detail}});
        }
      }
      out << (n == 0 ? "\n  " : ",\n  ") << row.dump();
    } else if (csv) {
      out << response_csv_row(r);
    } else {
      std::string at = r.answered_at_ms == 0 ? "" : format_rapidpro_time(std::chrono::milliseconds(r.answered_at_ms));
      std::string answer = response_answer_text(r);
      out << at << "  " << r.district << "  " << r.entity_id << "  " << (r.message_id.empty() ? "-" : r.message_id)
          << "  " << (r.values.empty() ? "text: " : "") << (answer.empty() ? "(empty)" : answer) << "\n";
      for (const auto& st : chain) out << "    " << st.step << ": " << st.text << "\n";
    }
    ++n;
    return true;
  });
  if (as_json) out << (n == 0 ? "]\n" : "\n]\n");
  if (!s.ok()) return fail(s);
  if (!bad.ok()) return fail(bad);
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
    // With [openhim] on, dispatch and response polls are the OpenHIM mediator's
    // (integrations/openhim_service.h: OpenHIM's triggers, or its internal timer).
    if (!integrations::OpenHimConfig::configured(node.config())) tasks.push_back({"messaging", every, [shared, &node] {
                       auto job = node.exclusive(Job::messaging);
                       Status s = shared->run_once();
                       if (!s.ok()) spdlog::warn("messaging: {}", s.to_string());
                     }});
    // RapidPro's flow list, shared with the districts when it changed.
    tasks.push_back({"flows", std::max<std::chrono::milliseconds>(every, std::chrono::minutes(10)), [shared, &node] {
                       auto job = node.exclusive(Job::messaging);
                       auto flows = fetch_flows(shared->client());
                       if (!flows.ok()) {
                         spdlog::warn("flows: {}", flows.status().to_string());
                         return;
                       }
                       auto wrote = share_flows(node.store(), node.key(), node.clock(), std::move(flows).value());
                       if (!wrote.ok()) spdlog::warn("flows: {}", wrote.status().to_string());
                     }});
  });

  auto a = std::make_shared<SendArgs>();
  auto* send = app.add_subcommand("send", "Compose an outgoing message (text or RapidPro flow) for targeted health workers");
  add_dir_option(*send, ctx);
  auto* text_option = send->add_option("--text", a->text, "Message text (default language)");
  send->add_option("--text-lang", a->text_langs, "Translation LANG=TEXT, ISO 639-3 (repeatable)");
  send->add_option("--flow", a->flow, "RapidPro flow to start instead of a text: its UUID, or its name from `mhero flows list`");
  send->add_option("--cadre", a->cadres, "Cadre code (repeatable; OR within, AND across kinds)");
  send->add_option("--district", a->districts, "District code (repeatable; a district node: only its own)");
  send->add_option("--facility", a->facilities, "Facility entityID (repeatable)");
  send->add_option("--skill", a->skills, "Skill (specialty/credential) code (repeatable)");
  send->add_option("--entity", a->entities, "Provider entityID (repeatable)");
  send->add_option("--channel", a->channels,
                   "Send only by this channel: sms, whatsapp or telegram (repeatable; default: each worker's preferred)");
  send->add_flag("--urgent", a->urgent, "Urgent: dispatched and replicated before routine messages");
  send->add_option("--not-before", a->not_before, "Do not send before: ISO 8601 UTC or +N[s|m|h|d]");
  send->add_option("--expires", a->expires, "Never send after: ISO 8601 UTC or +N[s|m|h|d]");
  send->add_option("--author", a->author, "Author label (a role, not a personal name); default: node role");
  send->add_option("--user", a->user, "Who sends, as the console shows it (default: $USER)");
  send->add_flag("--yes", a->yes, "Write without asking (scripts)");
  send->callback([&ctx, a, text_option] {
    a->text_given = text_option->count() > 0;
    ctx.action = [&ctx, a] { return run_send(ctx, *a); };
  });

  auto* dispatch = app.add_subcommand("dispatch", "Central: hand due messages to RapidPro once, then collect responses");
  add_dir_option(*dispatch, ctx);
  auto max_batches = std::make_shared<size_t>(0);
  dispatch->add_option("--max-batches", *max_batches, "Send at most N batches in this pass (0 = all); the rest waits");
  dispatch->callback([&ctx, max_batches] { ctx.action = [&ctx, max_batches] { return run_dispatch(ctx, *max_batches); }; });

  auto* messages = app.add_subcommand("messages", "Outgoing messages and their states");
  messages->require_subcommand(1);
  auto json_flag = std::make_shared<bool>(false);
  auto* mlist = messages->add_subcommand("list", "Per message: state (pending, dispatching, dispatched n/m, failed, expired), responses");
  add_dir_option(*mlist, ctx);
  mlist->add_flag("--json", *json_flag, "JSON output");
  mlist->callback([&ctx, json_flag] { ctx.action = [&ctx, json_flag] { return run_messages_list(ctx, *json_flag); }; });
  auto cancel_args = std::make_shared<CancelArgs>();
  auto* mcancel = messages->add_subcommand("cancel", "Stop a message not yet fully dispatched (a cancel entry)");
  add_dir_option(*mcancel, ctx);
  mcancel->add_option("id", cancel_args->id, "Message id")->required();
  mcancel->add_option("--reason", cancel_args->reason, "Why (kept with the cancel)");
  mcancel->add_option("--user", cancel_args->user, "Who cancels, as the console shows it (default: $USER)");
  mcancel->callback([&ctx, cancel_args] {
    ctx.action = [&ctx, cancel_args] { return run_messages_cancel(ctx, *cancel_args); };
  });

  auto* flows = app.add_subcommand("flows", "RapidPro flows: the list the central node shares");
  flows->require_subcommand(1);
  auto flows_json = std::make_shared<bool>(false);
  auto* flist = flows->add_subcommand("list", "Flows held here (pick them by name in `mhero send --flow`)");
  add_dir_option(*flist, ctx);
  flist->add_flag("--json", *flows_json, "JSON output");
  flist->callback([&ctx, flows_json] { ctx.action = [&ctx, flows_json] { return run_flows_list(ctx, *flows_json); }; });
  auto* fpull = flows->add_subcommand("pull", "Central: list RapidPro's flows.json now and share the list if it changed");
  add_dir_option(*fpull, ctx);
  fpull->callback([&ctx] { ctx.action = [&ctx] { return run_flows_pull(ctx); }; });

  struct RespArgs {
    std::string message, district;
    bool json = false, csv = false, provenance = false;
  };
  auto r = std::make_shared<RespArgs>();
  auto* responses = app.add_subcommand("responses", "Health workers' answers");
  responses->require_subcommand(1);
  auto* rlist = responses->add_subcommand("list", "List responses held here");
  add_dir_option(*rlist, ctx);
  rlist->add_option("--message", r->message, "Only answers to this message id");
  rlist->add_option("--district", r->district, "Only answers from this district code");
  auto* jf = rlist->add_flag("--json", r->json, "JSON output");
  auto* cf = rlist->add_flag("--csv", r->csv, "CSV output")->excludes(jf);
  rlist->add_flag("--provenance", r->provenance,
                  "Per answer, newest first: how it reached this node (session, bundle, relay), the entry carrying "
                  "it, a correction it proposed, and the RapidPro run or message it came from")
      ->excludes(cf);
  rlist->callback([&ctx, r] {
    ctx.action = [&ctx, r] {
      return run_responses_list(ctx, r->message, r->district, r->json, r->csv, r->provenance);
    };
  });
}

}  // namespace mhero::cli
