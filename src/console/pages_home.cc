// `/`: the overview. What this node is, and one card per section the user may open.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "fleet/fleet_query.h"

namespace mhero::console {

namespace {

/// What needs attention first: the alarms (fleet/fleet_query.h alarms(): forks, held writes,
/// silent districts, refused pushes…) counted by severity, the first one's text, and a link.
void alarm_banner(PageRequest& req, Html& b) {
  auto list = fleet::alarms(fleet::FleetContext::of(req.console.node()));
  if (!list.ok()) {
    b.open("div", {{"class", "notice bad"}, {"role", "alert"}, {"id", "overview-alarms"}});
    b.el("p", "The alarms cannot be computed: " + list.status().message());
    b.close("div");
    return;
  }
  if (list->empty()) return;
  size_t critical = std::count_if(list->begin(), list->end(),
                                  [](const fleet::Alarm& a) { return a.severity == fleet::Severity::critical; });
  b.open("div", {{"class", critical ? "notice bad" : "notice warn"}, {"role", critical ? "alert" : "status"},
                 {"id", "overview-alarms"}});
  b.open("p").el("strong", std::to_string(list->size()) + (list->size() == 1 ? " alarm" : " alarms") + " (" +
                               std::to_string(critical) + " critical). ");
  b.text(list->front().what + " ");
  b.link("/alarms", "Open the alarms", {{"id", "overview-alarms-link"}});
  b.close("p").close("div");
}

net::HttpResponse home(PageRequest& req) {
  Node& node = req.console.node();
  bool central = node.config().role == Role::central;
  Html b;
  b.el("p",
       central ? "This is the central node: it holds what every district has sent, online or by USB bundle."
               : "This is the node of district " + node.config().district +
                     ": it shows what this district holds, with or without a link to the central node.",
       {{"class", "lead"}});
  alarm_banner(req, b);
  b.open("section", {{"aria-labelledby", "sections-heading"}});
  b.el("h2", "Sections", {{"id", "sections-heading"}});
  b.open("div", {{"class", "cards"}});
  for (const NavItem& item : req.console.router().nav()) {
    if (item.description.empty() || !role_allows(req.user->role, item.need)) continue;
    b.open("a", {{"class", "card"}, {"href", item.path}});
    b.el("strong", item.label).el("span", item.description);
    b.close("a");
  }
  b.close("div").close("section");
  b.open("section", {{"aria-labelledby", "node-heading"}});
  b.el("h2", "This node", {{"id", "node-heading"}});
  b.open("dl", {{"class", "record panel"}, {"id", "node-facts"}});
  b.el("dt", "Node id").open("dd").el("code", node.id().hex()).close("dd");
  b.el("dt", "Role").el("dd", central ? "central" : "district " + node.config().district);
  b.el("dt", "Entries held").el("dd", std::to_string(node.store().entry_count()));
  b.el("dt", "Time here").el("dd", display_time(req.console.clock().now().count()));
  // The OpenHIM mediator's state, as `mhero run` reports it (integrations/openhim_service.h).
  std::ifstream in(node.paths().dir / "openhim-status.json");
  auto openhim = nlohmann::json::parse(in, nullptr, false);
  if (in && openhim.is_object()) {
    bool connected = openhim.value("connected", false);
    std::string heartbeat = openhim.value("last_heartbeat", "");
    b.el("dt", "OpenHIM");
    b.open("dd", {{"id", "node-openhim"}});
    b.el("span", connected ? "connected" : "unreachable", {{"class", connected ? "tag ok" : "tag bad"}});
    b.text(" " + openhim.value("url", "") + "; ");
    if (openhim.value("driving", "") == "openhim") {
      b.text("its polling channels run the registry pull, dispatch and the answers' poll");
    } else if (openhim.value("schedule", "") == "openhim") {
      b.text("this node's own timers run dispatch and the answers' poll until OpenHIM answers again");
    } else {
      b.text("this node's own timers run the jobs (schedule = internal)");
    }
    b.text("; last heartbeat " + (heartbeat.empty() ? std::string("never") : heartbeat) + ".");
    if (!connected && !openhim.value("last_error", "").empty()) {
      b.el("span", " Last error: " + openhim.value("last_error", ""), {{"class", "hint"}});
    }
    b.close("dd");
  }
  b.close("dl").close("section");
  return html_page(req, "Overview", b);
}

}  // namespace

void add_home_pages(Router& router) {
  router.add("GET", "/", StaffRole::viewer, home);
  router.add_nav("Overview", "/", StaffRole::viewer);
}

}  // namespace mhero::console
