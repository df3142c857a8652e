// `/audit`: the audit trail (audit.h), newest first, filtered by user, action and date range
// (all in the URL); `/audit.csv`: the same rows as CSV (RFC 4180), at most kCsvRows per file
// (a `Link: <…>; rel="next"` header names the next file), so memory stays bounded.
#include <cstdio>
#include <ctime>

#include "console/audit.h"
#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "messaging/response_rows.h"

namespace mhero::console {

namespace {

/// An audit object as the page shows it: at most 200 bytes, cut at a character boundary, with
/// "… (N characters in all; the CSV export holds it whole)" after a cut. A refused 3,000-character
/// user name would otherwise make its row thousands of pixels tall.
std::string shown_object(const std::string& object) {
  constexpr size_t kShown = 200;
  if (object.size() <= kShown) return object;
  size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(object[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 continuation.
  size_t characters = 0;
  for (unsigned char c : object) characters += (c & 0xC0) != 0x80;
  return object.substr(0, cut) + "… (" + std::to_string(characters) +
         " characters in all; the CSV export holds it whole)";
}

constexpr size_t kAuditPageRows = 100;
constexpr size_t kCsvRows = 50000;
constexpr const char* kActions[] = {"login", "login_failed", "logout", "access_denied", "csrf_refused",
                                    "user.", "user.add", "user.disable", "user.enable", "user.passwd"};

// Unix ms of 00:00 UTC of "YYYY-MM-DD", or nullopt.
std::optional<int64_t> day_start_ms(const std::string& text) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1970) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  time_t t = timegm(&tm);
  if (tm.tm_mday != d) return std::nullopt;  // 31 February and friends.
  return static_cast<int64_t>(t) * 1000;
}

struct AuditQuery {
  AuditFilter filter;
  std::string user, action, from, to, after;
  std::string error;  // Non-empty: a filter could not be read.
};

AuditQuery read_audit_query(const PageRequest& req) {
  AuditQuery q;
  q.user = req.query("user");
  q.action = req.query("action");
  q.from = req.query("from");
  q.to = req.query("to");
  q.after = req.query("after");
  q.filter.user = q.user;
  q.filter.action = q.action;
  if (!q.from.empty()) {
    auto ms = day_start_ms(q.from);
    if (!ms) q.error = "The start date '" + q.from + "' is not a date written YYYY-MM-DD.";
    if (ms) q.filter.from_ms = *ms;
  }
  if (!q.to.empty()) {
    auto ms = day_start_ms(q.to);
    if (!ms) q.error = "The end date '" + q.to + "' is not a date written YYYY-MM-DD.";
    if (ms) q.filter.to_ms = *ms + 24LL * 3600 * 1000 - 1;
  }
  if (!q.after.empty() && !q.after.starts_with("audit/t/")) q.error = "The page position in the address is not valid.";
  return q;
}

std::string audit_link(std::string_view path, const AuditQuery& q, const std::string& after) {
  return with_query(path, {{"user", q.user}, {"action", q.action}, {"from", q.from}, {"to", q.to}, {"after", after}});
}

void audit_filter_form(Html& b, const AuditQuery& q) {
  b.open("form", {{"method", "get"}, {"action", "/audit"}, {"id", "audit-filters"}, {"class", "filters panel"}});
  b.open("div", {{"class", "field"}}).el("label", "User", {{"for", "f-user"}});
  b.empty("input", {{"id", "f-user"}, {"name", "user"}, {"type", "text"}, {"value", q.user}}).close("div");
  b.open("div", {{"class", "field"}}).el("label", "Action", {{"for", "f-action"}});
  b.open("select", {{"id", "f-action"}, {"name", "action"}});
  b.el("option", "any", {{"value", ""}});
  for (const char* a : kActions) {
    std::string label = std::string(a).ends_with(".") ? std::string(a) + "* (every account change)" : a;
    b.option(a, label, q.action == a);
  }
  b.close("select").close("div");
  b.open("div", {{"class", "field"}}).el("label", "From (UTC)", {{"for", "f-from"}});
  b.empty("input", {{"id", "f-from"}, {"name", "from"}, {"type", "date"}, {"value", q.from}}).close("div");
  b.open("div", {{"class", "field"}}).el("label", "To (UTC)", {{"for", "f-to"}});
  b.empty("input", {{"id", "f-to"}, {"name", "to"}, {"type", "date"}, {"value", q.to}}).close("div");
  b.el("button", "Filter", {{"type", "submit"}, {"id", "audit-filter-submit"}});
  b.link("/audit", "Clear");
  b.close("form");
}

net::HttpResponse audit_page(PageRequest& req) {
  AuditQuery q = read_audit_query(req);
  if (!q.error.empty()) {
    return error_page(req, 400, "The filter cannot be read", q.error, "Correct it in the form, or clear the filters.");
  }
  std::vector<AuditRecord> rows;
  std::string last_key;
  bool more = false;
  Status s = scan_audit(req.console.node().store().views(), q.filter, q.after,
                        [&](const AuditRecord& r, std::string_view key) {
                          if (rows.size() == kAuditPageRows) {
                            more = true;
                            return false;
                          }
                          rows.push_back(r);
                          last_key = std::string(key);
                          return true;
                        });
  if (!s.ok()) {
    return error_page(req, 500, "The audit trail cannot be read", s.message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  Html b;
  b.el("p", "Every login, logout and account change on the consoles and commands of the nodes whose log this "
            "node holds. Times are UTC.", {{"class", "lead"}});
  audit_filter_form(b, q);
  b.open("p").link(audit_link("/audit.csv", q, ""), "Download these entries as CSV", {{"id", "audit-csv"}});
  b.close("p");
  if (rows.empty()) {
    b.open("div", {{"class", "notice warn"}, {"role", "status"}, {"id", "audit-empty"}});
    b.el("p", "No audit entry matches these filters.");
    b.close("div");
    return html_page(req, "Audit trail", b);
  }
  b.open_table_wrap().open("table", {{"id", "audit-log"}});
  b.el("caption", "Audit entries, newest first" + std::string(q.after.empty() ? "" : " (older page)"));
  b.open("thead").open("tr");
  // Outcome before Object: a long object (a refused 3,000-character user name, say) never pushes
  // whether the action was done out of view.
  for (const char* h : {"Time", "User", "Action", "Outcome", "Object", "Client address", "Node"}) {
    b.el("th", h, {{"scope", "col"}});
  }
  b.close("tr").close("thead").open("tbody");
  for (const auto& r : rows) {
    b.open("tr").el("th", display_time(r.time_ms), {{"scope", "row"}});
    b.el("td", r.user.empty() ? "—" : r.user).el("td", r.action);
    if (r.outcome == "ok") {
      b.el("td", r.outcome);
    } else {
      b.el("td", r.outcome, {{"class", "refused"}});
    }
    b.el("td", shown_object(r.object), {{"class", "object"}}).el("td", r.client_address);
    b.open("td").el("code", r.node.substr(0, 8), {{"title", r.node}}).close("td").close("tr");
  }
  b.close("tbody").close("table").close("div");
  b.open("nav", {{"class", "pager"}, {"aria-label", "Pages"}});
  if (!q.after.empty()) b.link(audit_link("/audit", q, ""), "Newest entries", {{"id", "page-newest"}});
  if (more) b.link(audit_link("/audit", q, last_key), "Older entries", {{"id", "page-older"}, {"rel", "next"}});
  b.close("nav");
  return html_page(req, "Audit trail", b);
}

// One CSV field: the same cell rule as the answers' exports (RFC 4180, formula guard).
std::string csv(std::string_view v) { return csv_cell(v); }

net::HttpResponse audit_csv(PageRequest& req) {
  AuditQuery q = read_audit_query(req);
  if (!q.error.empty()) {
    return error_page(req, 400, "The filter cannot be read", q.error, "Correct it on the audit page and export again.");
  }
  std::string body = "time_utc,time_ms,user,action,object,outcome,client_address,node,seq\r\n";
  size_t n = 0;
  std::string last_key;
  bool more = false;
  Status s = scan_audit(req.console.node().store().views(), q.filter, q.after,
                        [&](const AuditRecord& r, std::string_view key) {
                          if (n == kCsvRows) {
                            more = true;
                            return false;
                          }
                          body += csv(iso_time_ms(r.time_ms)) + "," + std::to_string(r.time_ms) + "," + csv(r.user) +
                                  "," + csv(r.action) + "," + csv(r.object) + "," + csv(r.outcome) + "," +
                                  csv(r.client_address) + "," + r.node + "," + std::to_string(r.seq) + "\r\n";
                          ++n;
                          last_key = std::string(key);
                          return true;
                        });
  if (!s.ok()) {
    return error_page(req, 500, "The audit trail cannot be read", s.message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  net::HttpResponse r;
  r.headers = {{"Content-Type", "text/csv; charset=utf-8"},
               {"Content-Disposition", "attachment; filename=\"audit.csv\""}};
  if (more) r.headers.emplace_back("Link", "<" + audit_link("/audit.csv", q, last_key) + ">; rel=\"next\"");
  r.body = std::move(body);
  return r;
}

}  // namespace

void add_audit_pages(Router& router) {
  router.add("GET", "/audit", StaffRole::viewer, audit_page);
  router.add("GET", "/audit.csv", StaffRole::viewer, audit_csv);
  router.add_nav("Audit", "/audit", StaffRole::viewer,
                 "Who logged in, and every change made to accounts, with filters and CSV export.");
}

}  // namespace mhero::console
