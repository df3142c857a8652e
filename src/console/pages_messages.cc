// `/messages`: every outgoing message held here, by state (tabs: pending, dispatching,
// dispatched, failed, expired, cancelled, and any state a newer node writes), with a "delayed"
// flag for a message due longer than [console] message_delayed_ms but not dispatched (a district
// offline, RapidPro down). Filters live in the URL: state, delayed, q (text, flow or message id),
// page. Reads messaging/message_query.h, the data `mhero messages list` prints.
#include <algorithm>
#include <map>

#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "console/pages_messages.h"
#include "messaging/delivery_report.h"
#include "messaging/message_query.h"
#include "node/config.h"

namespace mhero::console {

namespace {

constexpr size_t kMessagesPageRows = 50;
constexpr const char* kTabs[] = {"pending", "dispatching", "dispatched", "failed", "expired", "cancelled"};

struct MessagesQuery {
  std::string state, q;
  bool delayed = false;
  size_t page = 1;
};

std::string messages_link(const MessagesQuery& q, size_t page) {
  return with_query("/messages", {{"state", q.state}, {"delayed", q.delayed ? "1" : ""}, {"q", q.q},
                                  {"page", page > 1 ? std::to_string(page) : ""}});
}

bool matches_text(const MessageState& s, const std::string& q) {
  if (q.empty()) return true;
  const MessageRecord& m = s.message;
  if (m.id.find(q) != std::string::npos || m.flow_uuid.find(q) != std::string::npos) return true;
  for (const auto& t : m.texts) {
    if (t.second.find(q) != std::string::npos) return true;
  }
  return false;
}

void state_tag(Html& b, const std::string& state) {
  std::string cls = state == "dispatched" ? "tag ok" : state == "failed" ? "tag bad" : "tag";
  b.el("span", state, {{"class", cls}});
}

net::HttpResponse messages_page(PageRequest& req) {
  MessagesQuery q;
  q.state = req.query("state");
  q.q = req.query("q");
  q.delayed = req.query("delayed") == "1";
  std::string page_text = req.query("page");
  if (!page_text.empty()) {
    char* end = nullptr;
    long p = std::strtol(page_text.c_str(), &end, 10);
    if (*end != '\0' || p < 1 || p > 1'000'000) {
      return error_page(req, 400, "The page number cannot be read",
                        "The page '" + page_text + "' in the address is not a page number.", "Start again from the first page.");
    }
    q.page = static_cast<size_t>(p);
  }
  Node& node = req.console.node();
  auto list = list_messages(node.store().views());
  if (!list.ok()) {
    return error_page(req, 500, "The messages cannot be read", list.status().message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  const int64_t now = req.console.clock().now().count();
  const int64_t delay = message_delayed_ms(node.config());
  std::map<std::string, size_t> per_state;
  size_t delayed_count = 0;
  std::vector<const MessageState*> rows;
  for (const auto& s : *list) {
    std::string state = s.state();
    ++per_state[state];
    bool late = message_delayed(s, now, delay);
    if (late) ++delayed_count;
    if (!q.state.empty() && state != q.state) continue;
    if (q.delayed && !late) continue;
    if (!matches_text(s, q.q)) continue;
    rows.push_back(&s);
  }

  Html b;
  b.el("p", "Every message written on this node or received from others, newest first, and what became of it. "
            "Times are UTC.", {{"class", "lead"}});
  b.open("nav", {{"class", "tabs"}, {"aria-label", "Message states"}, {"id", "message-tabs"}}).open("ul");
  auto tab = [&](const std::string& state, const std::string& label, size_t count) {
    MessagesQuery t = q;
    t.state = state;
    b.open("li");
    std::string text = label + " (" + std::to_string(count) + ")";
    std::string id = "tab-" + (state.empty() ? std::string("all") : state);
    if (q.state == state) {
      b.link(messages_link(t, 1), text, {{"id", id}, {"aria-current", "page"}});
    } else {
      b.link(messages_link(t, 1), text, {{"id", id}});
    }
    b.close("li");
  };
  tab("", "All", list->size());
  for (const char* state : kTabs) tab(state, state, per_state[state]);
  for (const auto& [state, count] : per_state) {  // States a newer node writes.
    if (std::find(std::begin(kTabs), std::end(kTabs), state) == std::end(kTabs)) tab(state, state, count);
  }
  b.close("ul").close("nav");

  b.open("form", {{"method", "get"}, {"action", "/messages"}, {"id", "message-filters"}, {"class", "filters panel"}});
  if (!q.state.empty()) b.empty("input", {{"type", "hidden"}, {"name", "state"}, {"value", q.state}});
  b.open("div", {{"class", "field"}}).el("label", "Text, flow or message id", {{"for", "f-q"}});
  b.empty("input", {{"id", "f-q"}, {"name", "q"}, {"type", "search"}, {"value", q.q}}).close("div");
  b.open("div", {{"class", "field check"}});
  if (q.delayed) {
    b.empty("input", {{"id", "f-delayed"}, {"name", "delayed"}, {"type", "checkbox"}, {"value", "1"}, {"checked", Html::kBare}});
  } else {
    b.empty("input", {{"id", "f-delayed"}, {"name", "delayed"}, {"type", "checkbox"}, {"value", "1"}});
  }
  b.el("label", "Only delayed (" + std::to_string(delayed_count) + ")", {{"for", "f-delayed"}}).close("div");
  b.el("button", "Filter", {{"type", "submit"}, {"id", "message-filter-submit"}});
  b.link("/messages", "Clear");
  b.close("form");
  std::string wait = delay < 60'000    ? std::to_string(delay / 1000) + " s"
                     : delay < 3'600'000 ? std::to_string(delay / 60'000) + " min"
                                         : std::to_string(delay / 3'600'000) + " h";
  b.el("p", "Delayed: due for more than " + wait +
                " and not dispatched yet (a district not synced, or RapidPro unreachable).",
       {{"class", "hint"}});

  size_t first = (q.page - 1) * kMessagesPageRows;
  if (rows.empty() || first >= rows.size()) {
    b.open("div", {{"class", "notice warn"}, {"role", "status"}, {"id", "messages-empty"}});
    b.el("p", rows.empty() ? "No message matches these filters." : "There is no such page.");
    b.close("div");
    return html_page(req, "Messages", b);
  }
  b.open_table_wrap().open("table", {{"id", "messages"}});
  b.el("caption", "Messages " + std::to_string(first + 1) + "–" +
                      std::to_string(std::min(first + kMessagesPageRows, rows.size())) + " of " + std::to_string(rows.size()));
  b.open("thead").open("tr");
  for (const char* h : {"Message", "Priority", "Written", "Scope", "State", "Sent / targeted", "Delivered / SMS", "Responses"}) {
    b.el("th", h, {{"scope", "col"}});
  }
  b.close("tr").close("thead").open("tbody");
  for (size_t i = first; i < rows.size() && i < first + kMessagesPageRows; ++i) {
    const MessageState& s = *rows[i];
    const MessageRecord& m = s.message;
    b.open("tr", {{"id", "message-" + m.id}});
    b.open("th", {{"scope", "row"}}).link("/messages/" + m.id, message_summary(m, 60)).close("th");
    b.el("td", m.urgent ? "urgent" : "routine");
    b.el("td", display_time(m.written_ms));
    b.el("td", m.scope);
    b.open("td");
    state_tag(b, s.state());
    if (message_delayed(s, now, delay)) b.text(" ").el("span", "delayed", {{"class", "tag colour-amber"}});
    b.close("td");
    b.el("td", std::to_string(s.sent_count()) + " / " + std::to_string(s.targeted_count()), {{"class", "num"}});
    auto report = delivery_report(node.store().views(), m.id);
    std::string delivered = "—";
    if (report.ok() && *report) {
      auto it = (*report)->counts.find("delivered");
      delivered = std::to_string(it == (*report)->counts.end() ? 0 : it->second) + " / " + std::to_string((*report)->total());
    }
    b.el("td", delivered, {{"class", "num"}});
    b.el("td", std::to_string(s.responses), {{"class", "num"}});
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
  b.open("nav", {{"class", "pager"}, {"aria-label", "Pages"}});
  if (q.page > 1) b.link(messages_link(q, q.page - 1), "Previous page", {{"id", "page-previous"}, {"rel", "prev"}});
  if (first + kMessagesPageRows < rows.size()) b.link(messages_link(q, q.page + 1), "Next page", {{"id", "page-next"}, {"rel", "next"}});
  b.close("nav");
  return html_page(req, "Messages", b);
}

}  // namespace

int64_t message_delayed_ms(const NodeConfig& config) {
  return int_or(config.table, "console", "message_delayed_ms", 3'600'000);
}

bool message_delayed(const MessageState& s, int64_t now_ms, int64_t delay_ms) {
  std::string state = s.state();
  if (state != "pending" && state != "dispatching") return false;
  const MessageRecord& m = s.message;
  if (m.expires_at_ms != 0 && now_ms >= m.expires_at_ms) return false;
  int64_t due = std::max(m.not_before_ms, m.written_ms);
  return now_ms - due >= delay_ms;
}

std::string message_summary(const MessageRecord& m, size_t max_chars) {
  std::string text = !m.flow_uuid.empty() ? "Flow " + m.flow_uuid : m.texts.empty() ? m.id : m.texts.front().second;
  if (text.size() <= max_chars) return text;
  size_t cut = max_chars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary.
  return text.substr(0, cut) + "…";
}

void add_message_pages(Router& router) {
  router.add("GET", "/messages", StaffRole::viewer, messages_page);
  router.add("GET", "/messages/{id}", StaffRole::viewer, message_page);
  router.add_nav("Messages", "/messages", StaffRole::viewer,
                 "Every message by state, delayed ones flagged; dispatch batches and RapidPro delivery status.");
}

}  // namespace mhero::console
