// `/dhis2`: what the central node pushed to DHIS2 (integrations/dhis2_push.h), when, and DHIS2's
// import summary: the pushes newest first, the newest push's conflicts with DHIS2's reasons and
// the values it posted. The same records as `mhero dhis2 status`.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "integrations/dhis2_config.h"
#include "integrations/dhis2_pull.h"
#include "integrations/dhis2_push.h"
#include "node/node.h"
#include "util/plural.h"

namespace mhero::console {

namespace {

using json = nlohmann::json;

constexpr size_t kPushes = 30;      // Pushes listed.
constexpr size_t kValueRows = 200;  // Values of the newest push shown (the rest: `mhero dhis2 status --json`).

int count_of(const json& summary, const char* key) {
  const json& counts = summary.is_object() ? summary.value("importCount", json::object()) : json::object();
  return counts.is_object() && counts.contains(key) && counts[key].is_number_integer() ? counts[key].get<int>() : 0;
}

std::string text_of(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

void pushes_table(Html& b, const std::vector<json>& pushes) {
  b.open_table_wrap().open("table", {{"id", "dhis2-pushes"}});
  b.el("caption", "Pushes, newest first");
  b.open("thead").open("tr");
  for (const char* h : {"Time", "Kind", "Values posted", "Unchanged", "DHIS2 status", "Imported", "Updated", "Ignored",
                        "Conflicts"}) {
    std::string_view name = h;
    bool text = name == "Time" || name == "Kind" || name == "DHIS2 status";
    b.el("th", h, {{"scope", "col"}, {"class", text ? "" : "num"}});
  }
  b.close("tr").close("thead").open("tbody");
  for (const auto& p : pushes) {
    const json summary = p.value("summary", json());
    size_t conflicts = summary.is_object() && summary.contains("conflicts") && summary["conflicts"].is_array()
                           ? summary["conflicts"].size() : 0;
    int http = p.value("http_status", 0);
    std::string status = text_of(summary, "status");
    if (status.empty()) status = http ? "HTTP " + std::to_string(http) : "nothing posted";
    b.open("tr").el("th", display_time(p.value("at_ms", int64_t{0})), {{"scope", "row"}});
    b.el("td", p.value("dry_run", false) ? "dry run" : "push");
    b.el("td", std::to_string(p.value("sent", json::array()).size()), {{"class", "num"}});
    b.el("td", std::to_string(p.value("unchanged", 0)), {{"class", "num"}});
    if (status == "SUCCESS" || status == "OK") {
      b.el("td", status);
    } else {
      b.open("td").el("span", status, {{"class", "tag bad"}}).close("td");
    }
    for (const char* k : {"imported", "updated", "ignored"}) b.el("td", std::to_string(count_of(summary, k)), {{"class", "num"}});
    b.el("td", std::to_string(conflicts), {{"class", "num"}});
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
}

void conflicts_table(Html& b, const json& summary) {
  if (!summary.is_object() || !summary.contains("conflicts") || !summary["conflicts"].is_array() ||
      summary["conflicts"].empty()) {
    return;
  }
  b.el("h2", "Conflicts of the newest push", {{"id", "dhis2-conflicts-heading"}});
  b.el("p", "DHIS2 refused these values and said why. They are posted again at the next push; fix the cause in DHIS2 "
            "(a data element missing from the data set, a closed period, an org unit outside the user's hierarchy) "
            "or in the mapping file.", {{"class", "hint"}});
  b.open_table_wrap().open("table", {{"id", "dhis2-conflicts"}});
  b.el("caption", "What DHIS2 refused");
  b.open("thead").open("tr");
  for (const char* h : {"Object", "Reason", "Error code"}) b.el("th", h, {{"scope", "col"}});
  b.close("tr").close("thead").open("tbody");
  for (const auto& c : summary["conflicts"]) {
    b.open("tr").el("th", text_of(c, "object"), {{"scope", "row"}});
    b.el("td", text_of(c, "value")).el("td", text_of(c, "errorCode"));
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
}

void values_table(Html& b, const json& push) {
  const json sent = push.value("sent", json::array());
  if (!sent.is_array() || sent.empty()) return;
  std::vector<size_t> rejected = push.value("rejected", std::vector<size_t>{});
  b.el("h2", "Values of the newest push", {{"id", "dhis2-values-heading"}});
  b.open("div", {{"class", "table-wrap scroll"}, {"tabindex", "0"}, {"role", "region"}, {"aria-label", "Values posted"}});
  b.open("table", {{"id", "dhis2-values"}});
  b.el("caption", counted(sent.size(), "value") + " posted" +
                      (sent.size() > kValueRows ? ", the first " + std::to_string(kValueRows) + " shown" : std::string()));
  b.open("thead").open("tr");
  for (const char* h : {"Data element", "Period", "Org unit", "Category option combo", "Value", "Workers", "DHIS2"}) {
    b.el("th", h, {{"scope", "col"}});
  }
  b.close("tr").close("thead").open("tbody");
  for (size_t i = 0; i < sent.size() && i < kValueRows; ++i) {
    const json& v = sent[i];
    bool refused = std::find(rejected.begin(), rejected.end(), i) != rejected.end();
    b.open("tr").el("th", text_of(v, "dataElement"), {{"scope", "row"}});
    b.el("td", text_of(v, "period")).el("td", text_of(v, "orgUnit")).el("td", text_of(v, "categoryOptionCombo"));
    b.el("td", text_of(v, "value"), {{"class", "num"}});
    b.el("td", std::to_string(v.value("workers", 0)), {{"class", "num"}});
    if (refused) {
      b.open("td").el("span", "refused", {{"class", "tag bad"}}).close("td");
    } else {
      b.el("td", "taken");
    }
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
}

net::HttpResponse dhis2_page(PageRequest& req) {
  Node& node = req.console.node();
  Html b;
  if (!integrations::Dhis2Config::configured(node.config())) {
    b.open("div", {{"class", "notice warn"}, {"role", "status"}, {"id", "dhis2-off"}});
    b.el("p", node.config().role == Role::central
                  ? "DHIS2 is not configured on this node: set [dhis2] url, the credentials and mapping_file in "
                    "config.toml (README \"DHIS2\")."
                  : "Only the central node talks to DHIS2: its console shows the pushes.");
    b.close("div");
    return html_page(req, "DHIS2", b);
  }
  auto config = integrations::Dhis2Config::from(node.config(), node.paths().dir);
  if (!config.ok()) {
    return error_page(req, 500, "The [dhis2] configuration cannot be read", config.status().message(),
                      "Correct config.toml on the central node and restart `mhero run`.");
  }
  b.el("p", "Health workers' answers pushed to DHIS2 " + config->url + " as data values: what was posted, when, and "
            "DHIS2's import summary. Times are UTC.", {{"class", "lead"}});
  auto mark = node.store().get_meta(integrations::dhis2_mark_key(config->url));
  b.open("dl", {{"class", "record"}, {"id", "dhis2-facts"}});
  b.el("dt", "Org units pulled up to (lastUpdated)").el("dd", mark.ok() && *mark ? **mark : std::string("never"));
  b.el("dt", "Periodic push (mhero run)")
      .el("dd", config->push_interval.count() == 0 ? "off ([dhis2] push_interval_ms = 0)"
                                                    : "every " + std::to_string(config->push_interval.count() / 60000) +
                                                          " min");
  b.close("dl");
  std::vector<json> pushes = integrations::dhis2_pushes(node.store(), *config, kPushes);
  if (pushes.empty()) {
    b.open("div", {{"class", "notice"}, {"role", "status"}, {"id", "dhis2-none"}});
    b.el("p", "No push yet. `mhero dhis2 push` on the central node posts the answers the mapping names.");
    b.close("div");
    return html_page(req, "DHIS2", b);
  }
  pushes_table(b, pushes);
  conflicts_table(b, pushes.front().value("summary", json()));
  values_table(b, pushes.front());
  return html_page(req, "DHIS2", b);
}

}  // namespace

void add_dhis2_pages(Router& router) {
  router.add("GET", "/dhis2", StaffRole::viewer, dhis2_page);
  router.add_nav("DHIS2", "/dhis2", StaffRole::viewer,
                 "What was pushed to DHIS2, when, and DHIS2's import summary with its conflicts.");
}

}  // namespace mhero::console
