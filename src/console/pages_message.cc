// `/messages/{id}`: one message: who wrote it (node, author label) and for whom (target, reach),
// each dispatch batch (time, RapidPro broadcast / flow-start uuid, recipients), the delivery
// status RapidPro reported (messaging/delivery_report.h: counts per status, failures per
// reason), and the answers over time (responses per hour since the first send, with uPlot when
// JavaScript runs) with the response rate.
#include <algorithm>
#include <cstdio>

#include "console/chart.h"
#include "console/context.h"
#include "console/page.h"
#include "console/pages_messages.h"
#include "messaging/answer_view.h"
#include "messaging/delivery_report.h"
#include "messaging/response_summary.h"
#include "util/plural.h"

namespace mhero::console {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string percent(size_t part, size_t whole) {
  if (whole == 0) return "—";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f %%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

void record(Html& b, const MessageState& s, int64_t now, int64_t delay) {
  const MessageRecord& m = s.message;
  b.open("dl", {{"class", "record panel"}, {"id", "message-record"}});
  b.el("dt", "State").open("dd", {{"id", "message-state"}});
  b.el("span", s.state(), {{"class", s.state() == "dispatched" ? "tag ok" : s.state() == "failed" ? "tag bad" : "tag"}});
  if (message_delayed(s, now, delay)) b.text(" ").el("span", "delayed", {{"class", "tag colour-amber"}, {"id", "message-delayed"}});
  b.text(" " + s.describe());
  b.close("dd");
  if (m.flow_uuid.empty()) {
    for (const auto& [lang, text] : m.texts) {
      b.el("dt", lang.empty() ? "Text" : "Text (" + lang + ")").el("dd", text, {{"class", "message-text"}});
    }
  } else {
    b.el("dt", "RapidPro flow").open("dd").el("code", m.flow_uuid).close("dd");
  }
  b.el("dt", "Priority").el("dd", m.urgent ? "urgent" : "routine");
  b.el("dt", "Written").el("dd", display_time(m.written_ms) + " in " + m.scope);
  b.el("dt", "By").open("dd", {{"id", "message-author"}});
  std::string label = m.author.empty() ? "(no author label)" : m.author;
  b.text(m.staff_user.empty() ? label : m.staff_user + " (" + label + ")").text(" · node ");
  b.el("code", m.feed_author.substr(0, 16), {{"title", m.feed_author}});
  b.close("dd");
  b.el("dt", "Not before").el("dd", m.not_before_ms == 0 ? "as soon as possible" : display_time(m.not_before_ms));
  b.el("dt", "Expires").el("dd", m.expires_at_ms == 0 ? "never" : display_time(m.expires_at_ms));
  const MessageTarget& t = m.target;
  std::vector<std::string> target;
  if (!t.cadres.empty()) target.push_back("cadre " + join(t.cadres));
  if (!t.districts.empty()) target.push_back("district " + join(t.districts));
  if (!t.facilities.empty()) target.push_back("facility " + join(t.facilities));
  if (!t.skills.empty()) target.push_back("skill " + join(t.skills));
  if (!t.entity_ids.empty()) target.push_back(counted(t.entity_ids.size(), "named health worker"));
  std::string target_text;
  for (const auto& part : target) target_text += (target_text.empty() ? "" : " AND ") + part;
  b.el("dt", "Target").el("dd", target_text.empty() ? "(none)" : target_text);
  std::string channels;
  for (const auto& c : m.channels) channels += (channels.empty() ? "" : ", ") + c;
  b.el("dt", "Channels").el("dd", channels.empty() ? "each worker's preferred channel" : "only " + channels,
                            {{"id", "message-channels"}});
  b.el("dt", "Reach").el("dd", s.sent_count() == 0 && s.cancel
                                   ? std::string("none: cancelled before any health worker was handed to RapidPro")
                               : s.batches.empty() && !s.summary
                                   ? std::string("not handed to RapidPro yet")
                                   : counted(s.sent_count(), "health worker") + " handed to RapidPro of " +
                                         std::to_string(s.targeted_count()) + " targeted",
                          {{"id", "message-reach"}});
  if (s.cancel) {
    b.el("dt", "Cancelled").el("dd", display_time(s.cancel->at_ms) +
                                         (s.cancel->staff_user.empty() ? "" : " by " + s.cancel->staff_user) +
                                         (s.cancel->reason.empty() ? "" : ": " + s.cancel->reason),
                               {{"id", "message-cancelled"}});
  }
  b.close("dl");
}

void batches(Html& b, const MessageState& s) {
  b.el("h2", "Dispatch batches", {{"id", "batches-heading"}});
  if (s.batches.empty()) {
    b.el("p", "Not handed to RapidPro yet: the central node dispatches a message once it holds it and it is due.",
         {{"id", "batches-empty"}, {"class", "hint"}});
    return;
  }
  b.open_table_wrap().open("table", {{"id", "batches"}});
  b.el("caption", "One row per RapidPro call (at most 100 contacts each)");
  b.open("thead").open("tr");
  for (const char* h : {"Batch", "Time", "Outcome", "RapidPro broadcast / flow start", "Recipients", "Attempt"}) {
    b.el("th", h, {{"scope", "col"}});
  }
  b.close("tr").close("thead").open("tbody");
  for (const auto& batch : s.batches) {
    b.open("tr").el("th", std::to_string(batch.batch + 1), {{"scope", "row"}});
    b.el("td", display_time(batch.called_at_ms));
    b.open("td").el("span", batch.phase, {{"class", batch.phase == "sent" ? "tag ok" : batch.phase == "failed" ? "tag bad" : "tag"}});
    if (!batch.error.empty()) b.text(" " + batch.error);
    b.close("td");
    b.open("td", {{"class", "id"}});
    for (size_t i = 0; i < batch.broadcast_uuids.size(); ++i) {
      b.text("broadcast ").el("code", batch.broadcast_uuids[i]);
      if (i < batch.broadcast_ids.size()) b.text(" (id " + std::to_string(batch.broadcast_ids[i]) + ")");
    }
    for (const auto& u : batch.flow_start_uuids) b.text("flow start ").el("code", u);
    if (batch.broadcast_uuids.empty() && batch.flow_start_uuids.empty()) b.text("—");
    b.close("td");
    b.el("td", std::to_string(batch.phase == "sent" ? batch.recipient_count : static_cast<uint32_t>(batch.recipients.size())),
         {{"class", "num"}});
    b.el("td", std::to_string(batch.attempt), {{"class", "num"}});
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
}

void delivery(Html& b, const MessageState& s, const std::optional<DeliveryRecord>& report) {
  b.el("h2", "Delivery (RapidPro)", {{"id", "delivery-heading"}});
  if (!s.message.flow_uuid.empty()) {
    b.el("p", "RapidPro reports delivery per broadcast; a flow's SMS are followed by its answers below.",
         {{"class", "hint"}, {"id", "delivery-none"}});
    return;
  }
  if (!report) {
    b.el("p", "No delivery status yet: the central node asks RapidPro after each dispatch pass, and a district sees it "
              "after its next sync.", {{"class", "hint"}, {"id", "delivery-none"}});
    return;
  }
  b.open("p", {{"id", "delivery-summary"}});
  auto count = [&](const char* status) {
    auto it = report->counts.find(status);
    return it == report->counts.end() ? 0u : it->second;
  };
  b.text(std::to_string(count("delivered")) + " of " + std::to_string(report->total()) + " SMS delivered (" +
         percent(count("delivered"), report->total()) + "), " + std::to_string(count("failed") + count("errored")) +
         " failed or errored. Polled " + display_time(report->polled_at_ms) + " over " +
         counted(report->broadcast_count, "broadcast") + (report->final ? "; final." : "; still changing."));
  b.close("p");
  std::vector<Bar> bars;
  b.open("div", {{"class", "chart-pair"}});
  b.open_table_wrap().open("table", {{"id", "delivery-counts"}});
  b.el("caption", "SMS per RapidPro status");
  b.open("thead").open("tr").el("th", "Status", {{"scope", "col"}}).el("th", "SMS", {{"scope", "col"}, {"class", "num"}});
  b.el("th", "Share", {{"scope", "col"}, {"class", "num"}}).close("tr").close("thead").open("tbody");
  std::vector<std::string> order(std::begin(kDeliveryStatuses), std::end(kDeliveryStatuses));
  for (const auto& [status, n] : report->counts) {
    if (std::find(order.begin(), order.end(), status) == order.end()) order.push_back(status);
  }
  for (const auto& status : order) {
    auto it = report->counts.find(status);
    if (it == report->counts.end()) continue;
    b.open("tr", {{"id", "delivery-" + status}}).el("th", status, {{"scope", "row"}});
    b.el("td", std::to_string(it->second), {{"class", "num"}}).el("td", percent(it->second, report->total()), {{"class", "num"}});
    b.close("tr");
    bars.push_back({status, static_cast<double>(it->second), std::to_string(it->second)});
  }
  b.close("tbody").close("table").close("div");
  bar_chart(b, "SMS per RapidPro status", bars);
  b.close("div");
  if (!report->failures.empty()) {
    b.open_table_wrap().open("table", {{"id", "delivery-failures"}});
    b.el("caption", "Failed and errored SMS per reason");
    b.open("thead").open("tr").el("th", "Reason", {{"scope", "col"}}).el("th", "SMS", {{"scope", "col"}, {"class", "num"}});
    b.close("tr").close("thead").open("tbody");
    for (const auto& [reason, n] : report->failures) {
      b.open("tr").el("th", reason, {{"scope", "row"}}).el("td", std::to_string(n), {{"class", "num"}}).close("tr");
    }
    b.close("tbody").close("table").close("div");
    b.el("p", "errored: RapidPro will try again; failed: RapidPro gave up.", {{"class", "hint"}});
  }
  bool sms_only = report->by_channel.empty() || (report->by_channel.size() == 1 && report->by_channel.contains("sms"));
  if (sms_only) return;
  b.open_table_wrap().open("table", {{"id", "delivery-channels"}});
  b.el("caption", "Messages per channel");
  b.open("thead").open("tr").el("th", "Channel", {{"scope", "col"}});
  for (const char* h : {"Messages", "Delivered or read", "Failed or errored"}) b.el("th", h, {{"scope", "col"}, {"class", "num"}});
  b.close("tr").close("thead").open("tbody");
  for (const auto& [channel, channel_counts] : report->by_channel) {
    const auto& counts = channel_counts;  // A plain reference: lambdas may not capture bindings in C++20.
    auto n = [&counts](const char* status) {
      auto it = counts.find(status);
      return it == counts.end() ? 0u : it->second;
    };
    uint32_t total = 0;
    for (const auto& [status, c] : counts) total += c;
    b.open("tr", {{"id", "delivery-channel-" + channel}}).el("th", channel, {{"scope", "row"}});
    b.el("td", std::to_string(total), {{"class", "num"}});
    b.el("td", std::to_string(n("delivered") + n("read")), {{"class", "num"}});
    b.el("td", std::to_string(n("failed") + n("errored")), {{"class", "num"}});
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
}

void answers(Html& b, const MessageState& s, const AnswerSummary& summary, int64_t since) {
  const MessageRecord& m = s.message;
  b.el("h2", "Answers", {{"id", "answers-heading"}});
  b.open("p", {{"id", "response-rate"}});
  b.text(counted(summary.responses, "response") + " from " + counted(summary.workers, "health worker") +
         "; response rate " + percent(summary.workers, s.sent_count()) + " of the " +
         std::to_string(s.sent_count()) + " reached. ");
  b.link(with_query("/responses", {{"message", m.id}}), "Read and export the answers", {{"id", "message-responses"}});
  b.close("p");
  if (summary.per_hour.empty()) return;
  time_series_chart(b, "Responses per hour since the first send", "answers-per-hour");
  b.open("div", {{"class", "table-wrap scroll"}, {"tabindex", "0"}, {"role", "region"},
                 {"aria-label", "Responses per hour (table)"}});
  b.open("table", {{"id", "answers-per-hour"}});
  b.el("caption", "Responses per hour since the first send (" + display_time(since) + ")");
  b.open("thead").open("tr").el("th", "Hour starting (UTC)", {{"scope", "col"}});
  b.el("th", "Responses", {{"scope", "col"}, {"class", "num"}}).el("th", "Total so far", {{"scope", "col"}, {"class", "num"}});
  b.close("tr").close("thead").open("tbody");
  size_t total = 0;
  for (size_t i = 0; i < summary.per_hour.size(); ++i) {
    int64_t t = since + static_cast<int64_t>(i) * 3'600'000;
    total += summary.per_hour[i];
    b.open("tr").el("th", display_time(t), {{"scope", "row"}, {"data-t", std::to_string(t)}});
    b.el("td", std::to_string(summary.per_hour[i]), {{"class", "num"}, {"data-v", std::to_string(summary.per_hour[i])}});
    b.el("td", std::to_string(total), {{"class", "num"}, {"data-v", std::to_string(total)}});
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
}

}  // namespace

net::HttpResponse message_page(PageRequest& req) {
  Node& node = req.console.node();
  std::string id = req.param("id");
  auto state = message_state(node.store().views(), id);
  if (!state.ok()) {
    if (state.status().code() == StatusCode::not_found) {
      return error_page(req, 404, "No such message", "Message " + id + " is not held on this node.",
                        "A district's message reaches the central node with its next sync or bundle.");
    }
    return error_page(req, 500, "The message cannot be read", state.status().message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  auto report = delivery_report(node.store().views(), id);
  AnswerSummaryBuilder builder;
  Status scanned = scan_answers(node.store().views(), {id, ""}, "", [&](const ResponseRecord& r, const std::string&) {
    builder.add(r);
    return true;
  });
  if (!report.ok() || !scanned.ok()) {
    return error_page(req, 500, "The message cannot be read", (!report.ok() ? report.status() : scanned).message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  int64_t since = 0;
  for (const auto& b : state->batches) {
    if (b.phase == "sent" && (since == 0 || b.called_at_ms < since)) since = b.called_at_ms;
  }
  if (since == 0) since = state->message.written_ms;
  AnswerSummary summary = builder.finish(since);
  const int64_t now = req.console.clock().now().count();
  // Hours without an answer up to now count too (0), so the chart ends at the present hour.
  if (!summary.per_hour.empty() && now > since) {
    size_t hours = std::min<size_t>(static_cast<size_t>((now - since) / 3'600'000) + 1, 14 * 24);
    if (summary.per_hour.size() < hours) summary.per_hour.resize(hours, 0);
  }
  Html b;
  b.open("p").link("/messages", "All messages").close("p");
  record(b, *state, now, message_delayed_ms(node.config()));
  batches(b, *state);
  delivery(b, *state, *report);
  answers(b, *state, summary, since);
  std::string title = "Message " + message_summary(state->message, 40);
  if (summary.per_hour.empty()) return html_page(req, title, b);
  return html_page(req, title, b, 200, chart_assets());
}

}  // namespace mhero::console
