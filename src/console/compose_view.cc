#include "console/compose_view.h"

#include <algorithm>

#include "console/page.h"
#include "util/plural.h"

namespace mhero::console {

std::optional<std::string> messaging_off_notice(const NodeConfig& config) {
  if (config.role != Role::central || !string_or(config.table, "rapidpro", "url", "").empty()) return std::nullopt;
  return "Messaging is off on this central node: [rapidpro] url is not set in its config.toml. Messages written "
         "here are kept, and none goes out until the node's administrator sets it and restarts the service "
         "(the Alarms page lists what waits).";
}

namespace {


bool contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

void radio(Html& b, const char* id, const char* name, const char* value, const char* label, bool checked) {
  b.open("span", {{"class", "choice"}});
  if (checked) {
    b.empty("input", {{"type", "radio"}, {"id", id}, {"name", name}, {"value", value}, {"checked", Html::kBare}});
  } else {
    b.empty("input", {{"type", "radio"}, {"id", id}, {"name", name}, {"value", value}});
  }
  b.el("label", label, {{"for", id}}).close("span");
}

const FieldError* error_for(const std::vector<FieldError>& errors, std::string_view field) {
  for (const auto& e : errors) {
    if (e.field == field) return &e;
  }
  return nullptr;
}

/// A field's error line (id "<field>-error"), referenced by aria-describedby.
void field_error(Html& b, const std::vector<FieldError>& errors, const std::string& field) {
  if (const FieldError* e = error_for(errors, field)) b.el("p", e->message, {{"class", "field-error"}, {"id", field + "-error"}});
}

void picker(Html& b, const char* id, const char* name, const char* label, const std::vector<TargetChoice>& choices,
            const std::vector<std::string>& chosen, const std::vector<FieldError>& errors, bool facility) {
  b.open("div", {{"class", "field"}}).el("label", label, {{"for", id}});
  b.open("select", {{"id", id}, {"name", name}, {"multiple", Html::kBare}, {"size", choices.size() > 6 ? "6" : "4"}});
  for (const auto& c : choices) {
    std::string text = choice_text(c) + (facility && !c.detail.empty() ? ", " + c.detail : "") + " \u00B7 " +
                       reach_text(c);
    b.option(c.value, text, contains(chosen, c.value));
  }
  b.close("select");
  field_error(b, errors, id);
  b.close("div");
}

}  // namespace

std::string labelled(const std::vector<std::string>& values, const std::vector<TargetChoice>& choices) {
  std::string out;
  for (const auto& v : values) {
    auto it = std::find_if(choices.begin(), choices.end(), [&](const TargetChoice& c) { return c.value == v; });
    if (!out.empty()) out += ", ";
    out += it == choices.end() ? v : choice_text(*it);
  }
  return out;
}

Html preview_fragment(const PreviewData& data) {
  Html b;
  b.el("h2", "Reach and cost", {{"id", "preview-heading"}});
  if (!data.preview) {
    b.el("p", data.problem.empty() ? "Pick at least one cadre, district, facility or skill, or name health workers, to see "
                                     "how many the message reaches."
                                   : data.problem,
         {{"id", "preview-empty"}, {"class", data.problem.empty() ? "hint" : "field-error"}});
    return b;
  }
  const ReachPreview& p = *data.preview;
  b.el("p", sharing_text(p.sharing) + ".", {{"id", "preview-sharing"}, {"class", "lead"}});
  b.open("dl", {{"class", "record"}, {"id", "preview-counts"}});
  b.el("dt", "Health workers reached").el("dd", std::to_string(p.sharing.workers), {{"id", "preview-workers"}});
  b.el("dt", "Phones (one message each)").el("dd", std::to_string(p.sharing.phones), {{"id", "preview-phones"}});
  b.el("dt", "Excluded: inactive").el("dd", std::to_string(p.excluded_inactive), {{"id", "preview-inactive"}});
  b.el("dt", "Excluded: no valid mobile").el("dd", std::to_string(p.excluded_no_mobile), {{"id", "preview-no-mobile"}});
  b.el("dt", "Excluded: no district").el("dd", std::to_string(p.excluded_unassigned), {{"id", "preview-unassigned"}});
  if (p.excluded_no_channel > 0) {
    b.el("dt", "Excluded: only on other channels").el("dd", std::to_string(p.excluded_no_channel), {{"id", "preview-no-channel"}});
  }
  for (const auto& [channel, n] : p.by_channel) {
    b.el("dt", "By " + channel).el("dd", std::to_string(n), {{"id", "preview-channel-" + channel}});
  }
  b.close("dl");
  if (data.flow) {
    b.el("p", "A flow sends the texts written in RapidPro; its SMS cost is not known here.", {{"class", "hint"}});
    return b;
  }
  if (p.texts.empty()) return b;
  b.open_table_wrap().open("table", {{"id", "sms-cost"}});
  b.el("caption", "SMS cost per text");
  b.open("thead").open("tr");
  for (const char* h : {"Language", "Characters", "Encoding", "Segments", "Per segment"}) b.el("th", h, {{"scope", "col"}});
  b.close("tr").close("thead").open("tbody");
  for (const auto& t : p.texts) {
    const SmsCost& c = t.cost;
    b.open("tr").el("th", t.lang.empty() ? "default" : t.lang, {{"scope", "row"}});
    b.el("td", std::to_string(c.characters)).el("td", sms_encoding_name(c.encoding), {{"class", "encoding"}});
    b.el("td", std::to_string(c.segments), {{"class", "segments"}});
    b.el("td", c.per_segment == 0 ? "—" : std::to_string(c.per_segment) + (c.encoding == SmsEncoding::gsm7 ? " septets" : " UTF-16 units"));
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
  for (const auto& t : p.texts) {
    if (t.cost.encoding != SmsEncoding::ucs2) continue;
    b.open("div", {{"class", "notice warn"}, {"id", t.lang.empty() ? "ucs2-notice" : "ucs2-notice-" + t.lang}});
    b.el("p", "The " + (t.lang.empty() ? std::string("default") : t.lang) +
                  " text needs UCS-2 (70 characters per SMS instead of 160) because of:");
    b.open("ul", {{"class", "ucs2-chars"}});
    for (const auto& u : t.cost.forcing_ucs2) {
      b.open("li").el("code", u.text).text(" " + u.code + (u.name.empty() ? "" : " " + u.name));
      if (u.has_gsm7) b.text(u.gsm7.empty() ? " (can be left out)" : " (GSM-7: " + u.gsm7 + ")");
      b.close("li");
    }
    b.close("ul");
    if (!t.gsm7.empty()) {
      SmsCost g = sms_cost(t.gsm7);
      b.el("p", std::string(g.encoding == SmsEncoding::gsm7 ? "In its GSM-7 form (160 characters per SMS)"
                                                            : "With the replacements (other characters still need UCS-2)") +
                    " it costs " + counted(g.segments, "segment", "segments") +
                    (g.segments < t.cost.segments ? " instead of " + std::to_string(t.cost.segments) : std::string(", the same")) +
                    ":");
      b.el("p", t.gsm7, {{"class", "gsm7-form"}, {"id", t.lang.empty() ? "gsm7-form" : "gsm7-form-" + t.lang}});
      if (t.lang.empty()) {
        b.el("button", "Use the GSM-7 form", {{"type", "submit"}, {"name", "action"}, {"value", "use-gsm7"}, {"id", "use-gsm7"}});
      }
    }
    b.close("div");
  }
  b.el("p", "Total: " + counted(p.total_segments, "SMS segment", "SMS segments") + " for " +
                counted(p.sharing.phones, "phone", "phones") + (p.texts.size() > 1 ? " (at most: the longest language)." : "."),
       {{"id", "preview-total-segments"}, {"class", "lead"}});
  return b;
}

Html compose_form_html(const FormView& v, const Html& csrf) {
  const ComposeInput& in = v.input;
  Html b;
  if (!v.errors.empty()) {
    b.open("div", {{"class", "notice bad"}, {"role", "alert"}, {"id", "compose-errors"}});
    b.el("p", "The message was not written. Please correct:");
    b.open("ul");
    for (const auto& e : v.errors) {
      if (e.field.empty()) {
        b.el("li", e.message);
      } else {
        b.open("li").link("#" + e.field, e.message).close("li");
      }
    }
    b.close("ul").close("div");
  }
  b.open("form", {{"method", "post"}, {"action", "/compose"}, {"id", "compose-form"}, {"class", "stack"},
                  {"data-preview", "/compose/preview"}});
  b.append(csrf);
  b.empty("input", {{"type", "hidden"}, {"name", "form_token"}, {"value", in.form_token}});

  b.open("fieldset", {{"class", "panel"}}).el("legend", "What");
  b.open("div", {{"class", "field"}, {"role", "radiogroup"}, {"aria-label", "Kind of message"}});
  radio(b, "c-kind-text", "kind", "text", "A text message", in.kind != "flow");
  radio(b, "c-kind-flow", "kind", "flow", "A RapidPro flow (survey, training)", in.kind == "flow");
  b.close("div");
  b.open("div", {{"class", "field"}}).el("label", "Text (default language)", {{"for", "c-text"}});
  b.el("textarea", in.text, {{"id", "c-text"}, {"name", "text"}, {"rows", "4"}, {"dir", "auto"}, {"aria-describedby", "c-text-hint"}});
  b.el("span", "Curly quotes, long dashes and emoji make every SMS hold 70 characters instead of 160; the preview shows the cost.",
       {{"class", "hint"}, {"id", "c-text-hint"}});
  field_error(b, v.errors, "c-text");
  b.close("div");
  for (size_t i = 0; i < std::max<size_t>(2, in.translations.size()); ++i) {
    std::string row = std::to_string(i + 1);
    const std::string lang = i < in.translations.size() ? in.translations[i].first : "";
    const std::string text = i < in.translations.size() ? in.translations[i].second : "";
    b.open("div", {{"class", "field translation"}});
    b.el("label", "Translation " + row + ": language (ISO 639-3)", {{"for", "c-lang-" + row}});
    b.empty("input", {{"id", "c-lang-" + row}, {"name", "lang"}, {"type", "text"}, {"value", lang}, {"size", "4"},
                      {"placeholder", i == 0 ? "fra" : "kpe"}, {"autocomplete", "off"}});
    field_error(b, v.errors, "c-lang-" + row);
    b.el("label", "Translation " + row + ": text", {{"for", "c-text-" + row}});
    b.el("textarea", text, {{"id", "c-text-" + row}, {"name", "ltext"}, {"rows", "2"}, {"dir", "auto"}});
    field_error(b, v.errors, "c-text-" + row);
    b.close("div");
  }
  b.open("div", {{"class", "field"}}).el("label", "RapidPro flow", {{"for", "c-flow"}});
  b.open("select", {{"id", "c-flow"}, {"name", "flow"}, {"aria-describedby", "c-flow-hint"}});
  b.option("", "— choose a flow —", in.flow.empty());
  size_t offered = 0;
  if (v.flows) {
    for (const auto& f : v.flows->flows) {
      if (f.archived) continue;
      ++offered;
      b.option(f.uuid, f.name + (f.type.empty() ? "" : " (" + f.type + ")"), f.uuid == in.flow);
    }
  }
  b.close("select");
  b.el("span", v.flows ? std::to_string(offered) + (offered == 1 ? " active flow" : " active flows") + ", listed from RapidPro by the central node at " +
                             display_time(v.flows->fetched_at_ms) + "."
                       : "No flow list has reached this node yet: the central node shares it from RapidPro.",
       {{"class", "hint"}, {"id", "c-flow-hint"}});
  field_error(b, v.errors, "c-flow");
  b.close("div").close("fieldset");

  b.open("fieldset", {{"class", "panel"}}).el("legend", "Who");
  b.el("p", "Within one list any value matches; across lists all must match (e.g. nurses AND in Bong).", {{"class", "hint"}});
  picker(b, "c-cadre", "cadre", "Cadres", v.choices.cadres, in.cadres, v.errors, false);
  if (v.district_node) {
    b.open("div", {{"class", "field"}}).el("label", "District", {{"for", "c-district"}});
    b.open("select", {{"id", "c-district"}, {"name", "district"}});
    std::string label = v.own_district;
    for (const auto& c : v.choices.districts) {
      if (c.value == v.own_district) label = choice_text(c);
    }
    b.option(v.own_district, label, true);
    b.close("select");
    b.el("span", "A district node writes messages for its own district only.", {{"class", "hint"}});
    field_error(b, v.errors, "c-district");
    b.close("div");
  } else {
    picker(b, "c-district", "district", "Districts", v.choices.districts, in.districts, v.errors, false);
  }
  picker(b, "c-facility", "facility", "Facilities", v.choices.facilities, in.facilities, v.errors, true);
  picker(b, "c-skill", "skill", "Skills", v.choices.skills, in.skills, v.errors, false);
  b.open("div", {{"class", "field"}}).el("label", "Health workers (CSD entityIDs)", {{"for", "c-entities"}});
  b.el("textarea", in.entities, {{"id", "c-entities"}, {"name", "entities"}, {"rows", "2"}, {"aria-describedby", "c-entities-hint"}});
  b.el("span", "Separated by spaces, commas or new lines.", {{"class", "hint"}, {"id", "c-entities-hint"}});
  b.close("div").close("fieldset");

  b.open("fieldset", {{"class", "panel"}}).el("legend", "Channel");
  b.open("div", {{"class", "field"}, {"role", "radiogroup"}, {"aria-label", "Channel"}});
  for (auto [id, value, label] : {std::tuple{"c-channel-any", "", "Each health worker's preferred channel"},
                                  std::tuple{"c-channel-sms", "sms", "SMS only (an alert that must reach every phone)"},
                                  std::tuple{"c-channel-whatsapp", "whatsapp", "WhatsApp only"},
                                  std::tuple{"c-channel-telegram", "telegram", "Telegram only"}}) {
    radio(b, id, "channel", value, label, in.channel == value);
  }
  field_error(b, v.errors, "c-channel-any");
  b.close("div").close("fieldset");

  b.open("fieldset", {{"class", "panel"}}).el("legend", "When");
  b.open("div", {{"class", "field"}, {"role", "radiogroup"}, {"aria-label", "Priority"}});
  radio(b, "c-routine", "priority", "routine", "Routine", in.priority != "urgent");
  radio(b, "c-urgent", "priority", "urgent", "Urgent (sent and synced first)", in.priority == "urgent");
  b.close("div");
  for (auto [id, name, label, value] : {std::tuple{"c-not-before", "not_before", "Not before", &in.not_before},
                                        std::tuple{"c-expires", "expires", "Expires", &in.expires}}) {
    b.open("div", {{"class", "field"}}).el("label", label, {{"for", id}});
    b.empty("input", {{"id", id}, {"name", name}, {"type", "text"}, {"value", *value},
                      {"placeholder", "2026-12-01T08:00:00Z or +2h"}, {"autocomplete", "off"}});
    field_error(b, v.errors, id);
    b.close("div");
  }
  b.el("p", "Times are UTC; +30m, +2h, +1d count from now. Empty: as soon as possible, never expires.", {{"class", "hint"}});
  b.close("fieldset");

  b.open("section", {{"id", "compose-preview"}, {"class", "panel"}, {"aria-live", "polite"}, {"aria-labelledby", "preview-heading"}});
  b.append(preview_fragment(v.preview));
  b.close("section");
  b.open("div", {{"class", "actions"}});
  b.el("button", "Preview", {{"type", "submit"}, {"name", "action"}, {"value", "preview"}, {"id", "compose-preview-submit"}});
  b.el("button", "Review and send…", {{"type", "submit"}, {"name", "action"}, {"value", "review"}, {"id", "compose-review"},
                                      {"class", "primary"}});
  b.close("div");
  b.close("form");
  return b;
}

Html confirm_html(const ComposeInput& input, const MessageRecord& m, const TargetChoices& choices,
                  const ReachPreview& p, const Html& csrf) {
  Html b;
  b.el("p", "Check the message. Nothing is written until you press Send.", {{"class", "lead"}});
  b.open("dl", {{"class", "record panel"}, {"id", "confirm-summary"}});
  if (!m.flow_uuid.empty()) {
    b.el("dt", "RapidPro flow").el("dd", m.flow_name.empty() ? m.flow_uuid : m.flow_name + " (" + m.flow_uuid + ")");
  }
  for (const auto& [lang, text] : m.texts) {
    b.el("dt", "Text (" + (lang.empty() ? std::string("default") : lang) + ")").el("dd", text, {{"class", "message-text"}});
  }
  auto row = [&](const char* label, const std::string& value) {
    if (!value.empty()) b.el("dt", label).el("dd", value);
  };
  row("Cadres", labelled(m.target.cadres, choices.cadres));
  row("Districts", labelled(m.target.districts, choices.districts));
  row("Facilities", labelled(m.target.facilities, choices.facilities));
  row("Skills", labelled(m.target.skills, choices.skills));
  std::string ids;
  for (const auto& e : m.target.entity_ids) ids += (ids.empty() ? "" : ", ") + e;
  row("Health workers", ids);
  row("Priority", m.urgent ? "urgent" : "routine");
  row("Channel", m.channels.empty() ? "each health worker's preferred" : m.channels.front() + " only");
  row("Not before", m.not_before_ms == 0 ? "as soon as possible" : display_time(m.not_before_ms));
  row("Expires", m.expires_at_ms == 0 ? "never" : display_time(m.expires_at_ms));
  b.close("dl");
  b.open("div", {{"class", "notice ok"}, {"id", "confirm-count"}, {"role", "status"}});
  b.el("p", "This message will reach " + counted(p.sharing.workers, "health worker", "health workers") + " on " +
                counted(p.sharing.phones, "phone", "phones") + ".");
  if (p.sharing.shared_phones > 0) b.el("p", sharing_text(p.sharing) + ": one message per phone.");
  b.el("p", "Excluded: " + std::to_string(p.excluded_inactive) + " inactive, " + std::to_string(p.excluded_no_mobile) +
                " without a valid mobile number, " + std::to_string(p.excluded_unassigned) + " without a district" +
                (m.channels.empty() ? "" : ", " + std::to_string(p.excluded_no_channel) + " reachable only on other channels") +
                ".");
  if (!p.texts.empty()) {
    b.el("p", "Cost: " + counted(p.total_segments, "SMS segment", "SMS segments") + " in all.");
  }
  b.close("div");
  b.open("form", {{"method", "post"}, {"action", "/compose"}, {"id", "compose-confirm"}, {"class", "actions"}});
  b.append(csrf);
  b.append(hidden_fields(input));
  b.empty("input", {{"type", "hidden"}, {"name", "previewed"}, {"value", std::to_string(p.sharing.workers)}});
  b.el("button", "Send to " + counted(p.sharing.workers, "health worker", "health workers"),
       {{"type", "submit"}, {"name", "action"}, {"value", "send"}, {"id", "compose-send"}, {"class", "primary"}});
  b.el("button", "Change it", {{"type", "submit"}, {"name", "action"}, {"value", "edit"}, {"id", "compose-edit"}});
  b.close("form");
  return b;
}

}  // namespace mhero::console
