// `/districts`, `/districts/{code}`, `/alarms`: every district at a glance, one district's sync
// history and chain of custody, and the alarms with what to do (fleet/fleet_query.h). On a
// district node the same pages show that node's own row, its sync with the central node and its
// bundles. Charts are small server-drawn SVG figures, each beside the table that holds its data.
#include <algorithm>
#include <cstdio>

#include "console/chart.h"
#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "fleet/fleet_query.h"
#include "util/plural.h"

namespace mhero::console {

namespace {

std::string bytes_text(uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string offset_text(const std::optional<int64_t>& ms) {
  if (!ms) return "-";
  if (*ms > -1000 && *ms < 1000) return "0 s";
  return (*ms >= 0 ? "+" : "-") + fleet::human_duration(*ms >= 0 ? *ms : -*ms);
}

// "online session, 12.0 KB in / 3.1 KB out, 40 entries" or "USB bundle 1a2b3c4d… (relayed by …)".
std::string contact_text(const fleet::DistrictRow& r) {
  const fleet::Contact& c = r.last_contact;
  if (c.via == fleet::ContactVia::session) {
    std::string bytes = c.bytes_in + c.bytes_out == 0
                            ? ""
                            : bytes_text(c.bytes_in) + " in, " + bytes_text(c.bytes_out) + " out, ";
    return "online session: " + bytes + std::to_string(c.entries_received) + " entries received, " +
           std::to_string(c.entries_sent) + " sent";
  }
  if (c.via == fleet::ContactVia::bundle) {
    return "USB bundle " + c.bundle_id.substr(0, 12) + "…" +
           (r.relayed_by_district.empty() ? "" : " relayed by " + r.relayed_by_district);
  }
  return "never";
}

// The colour as a tag with its name in words (colour is never the only signal).
void colour_tag(Html& b, fleet::Colour colour) {
  std::string name = fleet::colour_name(colour);
  b.el("span", name, {{"class", "tag colour-" + name}});
}

bool keep(const fleet::DistrictRow& r, const std::string& colour, const std::string& q) {
  if (!colour.empty() && colour != fleet::colour_name(r.colour)) return false;
  return q.empty() || r.district.find(q) != std::string::npos || r.label.find(q) != std::string::npos;
}

void sort_rows(std::vector<fleet::DistrictRow>& rows, const std::string& by, bool desc) {
  auto key = [&](const fleet::DistrictRow& r) -> std::pair<int64_t, std::string> {
    if (by == "silent") return {r.silent_ms, r.district};
    if (by == "behind") return {static_cast<int64_t>(r.behind_entries), r.district};
    if (by == "pending") return {static_cast<int64_t>(r.pending_messages), r.district};
    if (by == "colour") return {static_cast<int64_t>(r.colour), r.district};
    return {0, r.district};
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    return desc ? key(b) < key(a) : key(a) < key(b);
  });
}

net::HttpResponse districts_page(PageRequest& req) {
  auto ctx = fleet::FleetContext::of(req.console.node());
  auto rows = fleet::districts(ctx);
  if (!rows.ok()) {
    return error_page(req, 500, "Districts cannot be read", rows.status().message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  std::string colour = req.query("colour"), q = req.query("q"), by = req.query("sort");
  bool desc = req.query("dir") == "desc";
  std::vector<fleet::DistrictRow> shown;
  for (auto& r : *rows) {
    if (keep(r, colour, q)) shown.push_back(r);
  }
  sort_rows(shown, by, desc);

  Html b;
  b.el("p", "Last contact, lag and health of every district node. Amber: silent over " +
                fleet::human_duration(ctx.thresholds.silent_amber.count()) + "; red: over " +
                fleet::human_duration(ctx.thresholds.silent_red.count()) + ".",
       {{"class", "lead"}});
  b.open("form", {{"class", "filters"}, {"method", "get"}, {"action", "/districts"}, {"id", "district-filters"}});
  b.open("div", {{"class", "field"}}).el("label", "District or label", {{"for", "f-q"}});
  b.empty("input", {{"id", "f-q"}, {"name", "q"}, {"value", q}}).close("div");
  b.open("div", {{"class", "field"}}).el("label", "Colour", {{"for", "f-colour"}});
  b.open("select", {{"id", "f-colour"}, {"name", "colour"}});
  for (std::string c : {"", "green", "amber", "red", "grey"}) {
    if (c == colour) {
      b.el("option", c.empty() ? "any" : c, {{"value", c}, {"selected", Html::kBare}});
    } else {
      b.el("option", c.empty() ? "any" : c, {{"value", c}});
    }
  }
  b.close("select").close("div");
  b.el("button", "Show", {{"type", "submit"}, {"id", "district-filter-submit"}});
  b.close("form");

  if (shown.empty()) {
    b.open("p", {{"class", "notice"}, {"id", "districts-empty"}});
    b.prose(rows->empty() ? "No district is enrolled yet: enroll one with `mhero enroll --district CODE --key ID`."
                          : "No district matches these filters.");
    b.close("p");
    return html_page(req, "Districts", b);
  }
  std::vector<Bar> silent_bars;
  for (const auto& r : shown) {
    silent_bars.push_back({r.district, static_cast<double>(r.silent_ms),
                           r.last_contact.at_ms ? fleet::human_duration(r.silent_ms) : "never heard from"});
  }
  bar_chart(b, "Time since last contact, per district", silent_bars);

  auto sort_link = [&](std::string_view label, std::string_view key) {
    bool active = by == key;
    std::string next_dir = active && !desc ? "desc" : "";
    Html h;
    h.link(with_query("/districts", {{"q", q}, {"colour", colour}, {"sort", std::string(key)}, {"dir", next_dir}}),
           std::string(label) + (active ? (desc ? " ▼" : " ▲") : ""));
    return h;
  };
  b.open_table_wrap();
  b.open("table", {{"id", "districts"}});
  b.el("caption", counted(shown.size(), "district"));
  b.open("thead").open("tr");
  b.open("th", {{"scope", "col"}}).append(sort_link("District", "district")).close("th");
  b.open("th", {{"scope", "col"}}).append(sort_link("State", "colour")).close("th");
  b.el("th", "Last contact", {{"scope", "col"}});
  b.open("th", {{"scope", "col"}, {"class", "num"}}).append(sort_link("Silent for", "silent")).close("th");
  b.open("th", {{"scope", "col"}, {"class", "num"}}).append(sort_link("Behind (entries)", "behind")).close("th");
  b.el("th", "Ahead (entries)", {{"scope", "col"}, {"class", "num"}});
  b.open("th", {{"scope", "col"}, {"class", "num"}}).append(sort_link("Pending messages", "pending")).close("th");
  b.el("th", "Free disk", {{"scope", "col"}, {"class", "num"}});
  b.el("th", "Clock", {{"scope", "col"}, {"class", "num"}});
  b.close("tr").close("thead").open("tbody");
  for (const auto& r : shown) {
    b.open("tr", {{"id", "district-" + r.district}});
    b.open("th", {{"scope", "row"}}).link("/districts/" + r.district, r.district);
    if (!r.label.empty()) b.el("span", " " + r.label, {{"class", "hint"}});
    b.close("th");
    b.open("td");
    colour_tag(b, r.colour);
    for (const auto& why : r.colour_reasons) b.el("div", why, {{"class", "hint"}});
    b.close("td");
    b.open("td").text(display_time(r.last_contact.at_ms)).el("div", contact_text(r), {{"class", "hint"}}).close("td");
    b.el("td", r.last_contact.at_ms ? fleet::human_duration(r.silent_ms) : "-", {{"class", "num"}});
    b.el("td", std::to_string(r.behind_entries) + (r.behind_ms ? " (oldest " + fleet::human_duration(*r.behind_ms) + ")" : ""),
         {{"class", "num"}});
    b.el("td", std::to_string(r.ahead_entries), {{"class", "num"}});
    b.el("td", std::to_string(r.pending_messages), {{"class", "num"}});
    b.el("td", r.health ? bytes_text(r.health->free_disk_bytes) : "-", {{"class", "num"}});
    b.el("td", offset_text(r.clock_offset_ms), {{"class", "num"}});
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
  return html_page(req, "Districts", b);
}

net::HttpResponse district_page(PageRequest& req) {
  auto ctx = fleet::FleetContext::of(req.console.node());
  std::string code = req.param("code");
  auto d = fleet::district_detail(ctx, code);
  if (!d.ok() && d.status().code() == StatusCode::not_found) {
    return error_page(req, 404, "No such district", "This node holds no district " + code + ".",
                      "Pick a district from the Districts page.");
  }
  if (!d.ok()) {
    return error_page(req, 500, "The district cannot be read", d.status().message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  const fleet::DistrictRow& r = d->row;
  Html b;
  b.open("dl", {{"class", "record panel"}, {"id", "district-facts"}});
  b.el("dt", "State").open("dd");
  colour_tag(b, r.colour);
  for (const auto& why : r.colour_reasons) b.text(" " + why);
  b.close("dd");
  b.el("dt", "Node id").open("dd").el("code", r.node.hex()).close("dd");
  b.el("dt", "Label").el("dd", r.label.empty() ? "-" : r.label);
  b.el("dt", "Enrolled").el("dd", r.revoked ? "revoked" : display_time(r.enrolled_ms));
  b.el("dt", "Last contact").el("dd", display_time(r.last_contact.at_ms) + ", " + contact_text(r));
  b.el("dt", "Software").el("dd", r.health ? r.health->version : "-");
  b.close("dl");

  b.el("h2", "Feeds and frontiers");
  b.open_table_wrap().open("table", {{"id", "district-feeds"}}).el("caption", "Entries held on each side, per feed");
  b.open("thead").open("tr");
  for (const char* h : {"Feed", "Central holds", "District holds", "Difference", "Oldest waiting"}) b.el("th", h, {{"scope", "col"}});
  b.close("tr").close("thead").open("tbody");
  for (const auto& f : r.lags) {
    b.open("tr").el("th", f.feed.author.short_hex() + "/" + f.feed.scope, {{"scope", "row"}});
    b.el("td", std::to_string(f.central_seq), {{"class", "num"}}).el("td", std::to_string(f.district_seq), {{"class", "num"}});
    b.el("td", f.entries ? std::to_string(f.entries) + " (" + f.lacking + " behind)" : "0", {{"class", "num"}});
    b.el("td", f.lag_ms ? fleet::human_duration(*f.lag_ms) : "-", {{"class", "num"}}).close("tr");
  }
  b.close("tbody").close("table").close("div");

  b.el("h2", "Sync sessions");
  if (d->sessions.empty()) b.el("p", "No online session recorded here.", {{"id", "sessions-empty"}});
  if (!d->sessions.empty()) {
    b.open_table_wrap().open("table", {{"id", "district-sessions"}}).el("caption", "Newest first");
    b.open("thead").open("tr");
    for (const char* h : {"Started", "Address", "Bytes in / out", "Entries received / sent", "Result"}) b.el("th", h, {{"scope", "col"}});
    b.close("tr").close("thead").open("tbody");
    for (const auto& s : d->sessions) {
      b.open("tr").el("td", display_time(s.started_ms)).el("td", s.address + (s.dialed ? "" : " (dialed in)"));
      b.el("td", bytes_text(s.bytes_in) + " / " + bytes_text(s.bytes_out), {{"class", "num"}});
      b.el("td", std::to_string(s.entries_received) + " / " + std::to_string(s.entries_sent), {{"class", "num"}});
      b.el("td", s.ok() ? "ok" : s.error).close("tr");
    }
    b.close("tbody").close("table").close("div");
  }

  b.el("h2", "USB bundles: chain of custody");
  if (d->bundles.empty()) b.el("p", "No bundle recorded here.", {{"id", "bundles-empty"}});
  if (!d->bundles.empty()) {
    b.open_table_wrap().open("table", {{"id", "district-bundles"}}).el("caption", "Each bundle, who wrote it, who carried it and where it was imported");
    b.open("thead").open("tr");
    for (const char* h : {"Bundle", "From", "To", "Exported", "Relayed by", "Imported", "Entries (new)", "Receipt"}) b.el("th", h, {{"scope", "col"}});
    b.close("tr").close("thead").open("tbody");
    for (const auto& x : d->bundles) {
      b.open("tr").open("td").el("code", x.bundle_id.substr(0, 16) + "…").close("td");
      b.el("td", x.sender_name).el("td", x.recipient_name).el("td", display_time(x.exported_ms));
      b.el("td", x.relayed_by_name.empty() ? "-" : x.relayed_by_name).el("td", display_time(x.imported_ms));
      b.el("td",
           !x.entry_count_known  ? std::string("-")
           : x.entries_new_known ? std::to_string(x.entry_count) + " (" + std::to_string(x.entries_new) + ")"
                                 : std::to_string(x.entry_count),
           {{"class", "num"}});
      b.el("td", x.receipt_seq ? "seq " + std::to_string(*x.receipt_seq) : "-").close("tr");
    }
    b.close("tbody").close("table").close("div");
  }

  b.el("h2", "Last errors");
  if (d->last_errors.empty()) b.el("p", "None recorded.", {{"id", "errors-empty"}});
  if (!d->last_errors.empty()) {
    b.open("ul", {{"id", "district-errors"}});
    for (const auto& [at, what] : d->last_errors) b.el("li", display_time(at) + ": " + what);
    b.close("ul");
  }

  b.el("h2", "Health over time");
  if (d->health_history.empty()) {
    b.el("p", "No node status has arrived from this district yet (it travels with its syncs and bundles).",
         {{"id", "health-empty"}});
  } else {
    std::vector<Bar> bars;
    size_t from = d->health_history.size() > 12 ? d->health_history.size() - 12 : 0;
    for (size_t i = from; i < d->health_history.size(); ++i) {
      const auto& h = d->health_history[i];
      bars.push_back({display_time(h.as_of_ms).substr(5, 11), static_cast<double>(h.pending_entry_count),
                      std::to_string(h.pending_entry_count) + " entries"});
    }
    bar_chart(b, "Entries waiting for the central node, last statuses", bars);
    b.open_table_wrap().open("table", {{"id", "district-health"}}).el("caption", "Node status reports, oldest first");
    b.open("thead").open("tr");
    for (const char* h : {"As of (its clock)", "Free disk", "Store", "Pending", "Clock offset", "Version", "Notes"}) b.el("th", h, {{"scope", "col"}});
    b.close("tr").close("thead").open("tbody");
    for (const auto& h : d->health_history) {
      b.open("tr").el("td", display_time(h.as_of_ms)).el("td", bytes_text(h.free_disk_bytes), {{"class", "num"}});
      b.el("td", bytes_text(h.store_bytes), {{"class", "num"}}).el("td", std::to_string(h.pending_entry_count), {{"class", "num"}});
      b.el("td", offset_text(h.clock_offset_ms), {{"class", "num"}}).el("td", h.version);
      std::string notes = h.reason;
      for (const auto& p : h.problems) notes += (notes.empty() ? "" : "; ") + p;
      b.el("td", notes).close("tr");
    }
    b.close("tbody").close("table").close("div");
  }
  return html_page(req, "District " + code, b);
}

net::HttpResponse alarms_page(PageRequest& req) {
  auto ctx = fleet::FleetContext::of(req.console.node());
  auto list = fleet::alarms(ctx);
  if (!list.ok()) {
    return error_page(req, 500, "Alarms cannot be read", list.status().message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  Html b;
  if (list->empty()) {
    b.el("p", "No alarm: no fork, no refused key, no silent district, no clock off, no failed dispatch.",
         {{"class", "notice ok"}, {"id", "alarms-empty"}});
    return html_page(req, "Alarms", b);
  }
  b.open("ol", {{"id", "alarms"}, {"class", "alarms"}});
  for (const auto& a : *list) {
    std::string severity = fleet::severity_name(a.severity);
    b.open("li", {{"class", "panel alarm alarm-" + severity}, {"data-kind", a.kind}});
    b.open("h2").el("span", severity, {{"class", std::string("tag ") + (a.severity == fleet::Severity::critical ? "bad" : "")}});
    b.text(" " + a.kind + ": " + a.subject).close("h2");
    if (a.at_ms) b.el("p", display_time(a.at_ms), {{"class", "hint"}});
    b.open("p").prose(a.what).close("p");
    b.open("p").el("strong", "What to do: ").prose(a.action).close("p");
    if (!a.evidence.empty()) {
      b.open("dl", {{"class", "record"}});
      for (const auto& [label, value] : a.evidence) b.el("dt", label).open("dd").el("code", value).close("dd");
      b.close("dl");
    }
    b.close("li");
  }
  b.close("ol");
  return html_page(req, "Alarms", b);
}

}  // namespace

void add_fleet_pages(Router& router) {
  router.add("GET", "/districts", StaffRole::viewer, districts_page);
  router.add("GET", "/districts/{code}", StaffRole::viewer, district_page);
  router.add("GET", "/alarms", StaffRole::viewer, alarms_page);
  router.add_nav("Districts", "/districts", StaffRole::viewer,
                 "Every district: last contact (online or USB bundle), lag, pending messages, health.");
  router.add_nav("Alarms", "/alarms", StaffRole::viewer,
                 "Forks, refused keys, silent districts, clocks off, failed dispatches, and what to do.");
}

}  // namespace mhero::console
