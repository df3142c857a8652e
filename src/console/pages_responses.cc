// `/responses?message=&district=&after=`: health workers' answers, per message and per district:
// a summary per result key (counts per category; min / median / max and a histogram for numeric
// answers such as stock levels), each chart beside its table; then the answers themselves
// (worker, facility, time, values; a reply outside a flow shows its text), oldest first, 50 a
// page. `/responses.csv` and `/responses.json` stream the same filters' rows
// (responses_export.h), the same bytes as `mhero responses list --csv` / `--json`.
#include <cstdio>
#include <unordered_map>

#include "console/chart.h"
#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "console/responses_export.h"
#include "messaging/answer_view.h"
#include "messaging/message_query.h"
#include "messaging/response_rows.h"
#include "messaging/response_summary.h"
#include "net/url.h"
#include "registry/registry_query.h"
#include "util/plural.h"

namespace mhero::console {

namespace {

constexpr size_t kResponsesPageRows = 50;

struct ResponsesQuery {
  AnswerFilter filter;
  std::string after;
  std::string error;
};

ResponsesQuery read_responses_query(const PageRequest& req) {
  ResponsesQuery q;
  q.filter.message_id = req.query("message");
  q.filter.district = req.query("district");
  q.after = req.query("after");
  if (q.filter.message_id.find('/') != std::string::npos) {
    q.error = "The message id '" + q.filter.message_id + "' in the address is not a message id.";
  } else if (q.filter.district.find('/') != std::string::npos) {
    q.error = "The district '" + q.filter.district + "' in the address is not a district code.";
  } else if (!q.after.empty() && (q.after.size() < 18 || q.after[16] != '/')) {
    q.error = "The page position in the address is not valid.";
  }
  return q;
}

std::string responses_link(std::string_view path, const ResponsesQuery& q, const std::string& after) {
  return with_query(path, {{"message", q.filter.message_id}, {"district", q.filter.district}, {"after", after}});
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void responses_filter_form(Html& b, const ResponsesQuery& q) {
  b.open("form", {{"method", "get"}, {"action", "/responses"}, {"id", "response-filters"}, {"class", "filters panel"}});
  b.open("div", {{"class", "field"}}).el("label", "Message id", {{"for", "f-message"}});
  b.empty("input", {{"id", "f-message"}, {"name", "message"}, {"type", "text"}, {"value", q.filter.message_id},
                    {"size", "38"}}).close("div");
  b.open("div", {{"class", "field"}}).el("label", "District code", {{"for", "f-district"}});
  b.empty("input", {{"id", "f-district"}, {"name", "district"}, {"type", "text"}, {"value", q.filter.district}}).close("div");
  b.el("button", "Filter", {{"type", "submit"}, {"id", "response-filter-submit"}});
  b.link("/responses", "Clear");
  b.close("form");
}

void key_summary(Html& b, const KeySummary& k, size_t index) {
  std::string id = "key-" + std::to_string(index);
  b.open("section", {{"class", "panel"}, {"id", id}, {"aria-labelledby", id + "-heading"}});
  b.el("h3", k.key, {{"id", id + "-heading"}});
  std::vector<Bar> bars;
  b.open("div", {{"class", "chart-pair"}});
  if (k.numeric) {
    b.open("dl", {{"class", "record"}, {"id", id + "-stats"}});
    b.el("dt", "Answers").el("dd", std::to_string(k.answers));
    b.el("dt", "Minimum").el("dd", number(k.min), {{"class", "stat-min"}});
    b.el("dt", "Median").el("dd", number(k.median), {{"class", "stat-median"}});
    b.el("dt", "Maximum").el("dd", number(k.max), {{"class", "stat-max"}});
    b.close("dl");
    b.open_table_wrap().open("table", {{"id", id + "-histogram"}, {"class", "histogram"}});
    b.el("caption", "Answers per range of " + k.key);
    b.open("thead").open("tr").el("th", "Range", {{"scope", "col"}}).el("th", "Answers", {{"scope", "col"}, {"class", "num"}});
    b.close("tr").close("thead").open("tbody");
    for (size_t i = 0; i < k.histogram.size(); ++i) {
      const HistogramBin& bin = k.histogram[i];
      bool single = bin.high - bin.low == 1 && bin.low == static_cast<double>(static_cast<long long>(bin.low));
      std::string label = bin.low == bin.high || single ? number(bin.low)
                                                        : number(bin.low) + (i + 1 == k.histogram.size() ? " – " : " – <") + number(bin.high);
      b.open("tr").el("th", label, {{"scope", "row"}}).el("td", std::to_string(bin.count), {{"class", "num"}}).close("tr");
      bars.push_back({label, static_cast<double>(bin.count), std::to_string(bin.count)});
    }
    b.close("tbody").close("table").close("div");
    bar_chart(b, "Histogram of " + k.key, bars);
  } else {
    b.open_table_wrap().open("table", {{"id", id + "-categories"}, {"class", "categories"}});
    b.el("caption", "Answers per category of " + k.key);
    b.open("thead").open("tr").el("th", "Category", {{"scope", "col"}}).el("th", "Answers", {{"scope", "col"}, {"class", "num"}});
    b.close("tr").close("thead").open("tbody");
    size_t shown = 0, other = 0;
    for (const auto& [category, count] : k.categories) {
      if (shown == 20) {
        other += count;
        continue;
      }
      ++shown;
      std::string label = category.empty() ? "(empty)" : category;
      b.open("tr").el("th", label, {{"scope", "row"}}).el("td", std::to_string(count), {{"class", "num"}}).close("tr");
      bars.push_back({label, static_cast<double>(count), std::to_string(count)});
    }
    if (other > 0) b.open("tr").el("th", "other categories", {{"scope", "row"}}).el("td", std::to_string(other), {{"class", "num"}}).close("tr");
    b.close("tbody").close("table").close("div");
    bar_chart(b, "Answers per category of " + k.key, bars);
  }
  b.close("div").close("section");
}

net::HttpResponse responses_page(PageRequest& req) {
  ResponsesQuery q = read_responses_query(req);
  if (!q.error.empty()) {
    return error_page(req, 400, "The filter cannot be read", q.error, "Correct it in the form, or clear the filters.");
  }
  const ViewReader& views = req.console.node().store().views();
  AnswerSummaryBuilder builder;
  std::vector<ResponseRecord> rows;
  std::string last;
  bool more = false;
  bool paging = !q.after.empty();
  // One pass for the summary (all matching answers) and this page's rows.
  Status s = scan_answers(views, q.filter, "", [&](const ResponseRecord& r, const std::string& cursor) {
    builder.add(r);
    if (paging) {
      if (cursor == q.after) paging = false;
      return true;
    }
    if (rows.size() == kResponsesPageRows) {
      more = true;
    } else {
      rows.push_back(r);
      last = cursor;
    }
    return true;
  });
  if (!s.ok()) {
    return error_page(req, 500, "The answers cannot be read", s.message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  AnswerSummary summary = builder.finish(0);
  Html b;
  b.el("p", "Health workers' answers to messages and flows, as RapidPro collected them, oldest first. Times are UTC.",
       {{"class", "lead"}});
  responses_filter_form(b, q);
  if (!q.filter.message_id.empty()) {
    auto m = message_state(views, q.filter.message_id);
    if (m.ok()) {
      b.open("p").text("Answers to ").link("/messages/" + q.filter.message_id, q.filter.message_id).text(": " +
             counted(summary.workers, "health worker") + " of " + std::to_string(m->sent_count()) + " reached.");
      b.close("p");
    }
  }
  b.open("p", {{"class", "exports"}});
  b.link(responses_link("/responses.csv", q, ""), "Export CSV", {{"id", "export-csv"}, {"download", ""}});
  b.text(" · ");
  b.link(responses_link("/responses.json", q, ""), "Export JSON", {{"id", "export-json"}, {"download", ""}});
  b.text(" (every answer matching these filters; the same rows as `mhero responses list --csv`)");
  b.close("p");
  if (summary.responses == 0) {
    b.open("div", {{"class", "notice warn"}, {"role", "status"}, {"id", "responses-empty"}});
    b.el("p", "No answer matches these filters.");
    b.close("div");
    return html_page(req, "Responses", b);
  }
  b.el("h2", "Summary", {{"id", "summary-heading"}});
  b.el("p", counted(summary.responses, "answer") + " from " + counted(summary.workers, "health worker") + "; " +
                counted(summary.text_replies, "SMS reply", "SMS replies") + " outside a flow.",
       {{"id", "summary-totals"}});
  for (size_t i = 0; i < summary.keys.size(); ++i) key_summary(b, summary.keys[i], i);

  b.el("h2", "Answers", {{"id", "answers-heading"}});
  auto facilities = registry::held_facilities(views);
  b.open_table_wrap().open("table", {{"id", "responses"}});
  b.el("caption", "Answers" + std::string(q.after.empty() ? "" : " (later page)"));
  b.open("thead").open("tr");
  for (const char* h : {"Time", "Health worker", "Facility", "District", "Message", "Answer"}) b.el("th", h, {{"scope", "col"}});
  b.close("tr").close("thead").open("tbody");
  for (const auto& r : rows) {
    b.open("tr").el("th", display_time(r.answered_at_ms), {{"scope", "row"}});
    auto p = registry::find_provider(views, r.entity_id);
    b.open("td").link("/registry/provider/" + net::url_encode(r.entity_id),
                      p.ok() && !p->display_name().empty() ? p->display_name() : r.entity_id).close("td");
    std::string facility = "—";
    if (p.ok() && !p->facility_ids.empty()) {
      facility = p->facility_ids.front();
      if (facilities.ok()) {
        auto it = facilities->find(facility);
        if (it != facilities->end() && !it->second.name.empty()) facility = it->second.name;
      }
    }
    b.el("td", facility).el("td", r.district);
    b.open("td", {{"class", "id"}});
    if (r.message_id.empty()) {
      b.text("(no message)");
    } else {
      b.link("/messages/" + r.message_id, r.message_id.substr(0, 8), {{"title", r.message_id}});
    }
    b.close("td");
    std::string answer = response_answer_text(r);
    if (r.values.empty()) {
      b.open("td", {{"class", "answer"}}).el("span", "SMS reply", {{"class", "tag"}}).text(" ").el("bdi", answer.empty() ? "(empty)" : answer).close("td");
    } else {
      b.el("td", answer, {{"class", "answer"}});
    }
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
  b.open("nav", {{"class", "pager"}, {"aria-label", "Pages"}});
  if (!q.after.empty()) b.link(responses_link("/responses", q, ""), "First answers", {{"id", "page-first"}});
  if (more) b.link(responses_link("/responses", q, last), "Later answers", {{"id", "page-next"}, {"rel", "next"}});
  b.close("nav");
  return html_page(req, "Responses", b);
}

net::HttpResponse export_page(PageRequest& req, ExportFormat format) {
  ResponsesQuery q = read_responses_query(req);
  if (!q.error.empty()) {
    return error_page(req, 400, "The filter cannot be read", q.error, "Correct it on the Responses page and export again.");
  }
  return responses_export(req.console.node().store().views(), q.filter, format);
}

}  // namespace

void add_response_pages(Router& router) {
  router.add("GET", "/responses", StaffRole::viewer, responses_page);
  router.add("GET", "/responses.csv", StaffRole::viewer, [](PageRequest& req) { return export_page(req, ExportFormat::csv); });
  router.add("GET", "/responses.json", StaffRole::viewer, [](PageRequest& req) { return export_page(req, ExportFormat::json); });
  router.add_nav("Responses", "/responses", StaffRole::viewer,
                 "Health workers' answers per message and district, summaries with charts, CSV and JSON export.");
}

}  // namespace mhero::console
