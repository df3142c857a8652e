#include "console/compose_form.h"

#include <algorithm>
#include <regex>

#include "messaging/compose.h"
#include "messaging/sms_cost.h"
#include "registry/csd_types.h"

namespace mhero::console {

namespace {

std::string trimmed(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string_view::npos ? "" : std::string(s.substr(a, b - a + 1));
}

std::vector<std::string> entity_list(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text + " ") {
    if (c == ' ' || c == ',' || c == '\n' || c == '\r' || c == '\t' || c == ';') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

/// Which control a prepare_message() error is about (its messages name `mhero send` options).
std::string field_of(const std::string& message) {
  if (message.starts_with("--district")) return "c-district";
  if (message.starts_with("--expires")) return "c-expires";
  if (message.starts_with("--not-before")) return "c-not-before";
  if (message.starts_with("--flow")) return "c-flow";
  if (message.starts_with("--text")) return "c-text";
  if (message.starts_with("no target")) return "c-cadre";
  return "";
}

/// A prepare_message() error in the form's words: its `mhero send` option names become the
/// labels of the controls ("--expires is in the past" -> "Expires is in the past").
std::string in_form_words(std::string message) {
  static const std::pair<std::string_view, std::string_view> kLabels[] = {
      {"--text-lang", "Translation"}, {"--not-before", "Not before"}, {"--expires", "Expires"},  {"--district", "District"},
      {"--flow", "RapidPro flow"},    {"--text", "Text"},        {"--channel", "Channel"},
      {"--cadre", "Cadre"},           {"--facility", "Facility"}, {"--skill", "Skill"},
      {"--entity", "Health workers"}};
  for (const auto& [option, label] : kLabels) {
    for (size_t at = message.find(option); at != std::string::npos; at = message.find(option, at + label.size())) {
      message.replace(at, option.size(), label);
    }
  }
  return message;
}

}  // namespace

ComposeInput compose_input(const std::vector<std::pair<std::string, std::string>>& fields) {
  ComposeInput in;
  std::vector<std::string> langs, ltexts;
  for (const auto& [k, v] : fields) {
    if (k == "form_token") in.form_token = trimmed(v);
    else if (k == "kind") in.kind = v == "flow" ? "flow" : "text";
    else if (k == "text") in.text = v;
    else if (k == "lang") langs.push_back(trimmed(v));
    else if (k == "ltext") ltexts.push_back(v);
    else if (k == "flow") in.flow = trimmed(v);
    else if (k == "cadre" && !v.empty()) in.cadres.push_back(v);
    else if (k == "district" && !v.empty()) in.districts.push_back(v);
    else if (k == "facility" && !v.empty()) in.facilities.push_back(v);
    else if (k == "skill" && !v.empty()) in.skills.push_back(v);
    else if (k == "entities") in.entities = v;
    else if (k == "priority") in.priority = v == "urgent" ? "urgent" : "routine";
    else if (k == "channel") in.channel = trimmed(v);
    else if (k == "not_before") in.not_before = trimmed(v);
    else if (k == "expires") in.expires = trimmed(v);
    else if (k == "previewed") in.previewed = trimmed(v);
  }
  for (size_t i = 0; i < std::max(langs.size(), ltexts.size()); ++i) {
    std::string lang = i < langs.size() ? langs[i] : "", text = i < ltexts.size() ? ltexts[i] : "";
    if (!lang.empty() || !trimmed(text).empty()) in.translations.emplace_back(lang, text);
  }
  return in;
}

ComposeOutcome compose_target(const ComposeInput& in, Role role, const std::string& district) {
  ComposeOutcome out;
  MessageTarget& t = out.message.target;
  t = {in.cadres, in.districts, in.facilities, in.skills, entity_list(in.entities)};
  if (role == Role::district) {
    for (const auto& d : t.districts) {
      if (d != district) {
        out.errors.push_back({"c-district", "District " + d + ": this district node composes only for its own district (" +
                                                district + ")."});
      }
    }
    if (t.districts.empty()) t.districts = {district};
  }
  return out;
}

ComposeOutcome compose_message(const ComposeInput& in, const std::optional<FlowList>& flows, Role role,
                               const std::string& district, std::chrono::milliseconds now) {
  ComposeOutcome out = compose_target(in, role, district);
  MessageRecord& m = out.message;
  if (in.kind == "flow") {
    if (in.flow.empty()) {
      out.errors.push_back({"c-flow", "RapidPro flow: choose the flow to start."});
    } else {
      const FlowInfo* found = nullptr;
      if (flows) {
        for (const auto& f : flows->flows) {
          if (f.uuid == in.flow && !f.archived) found = &f;
        }
      }
      if (!found) {
        out.errors.push_back({"c-flow", "RapidPro flow " + in.flow + " is not in the flow list held here (or it is archived)."});
      } else {
        m.flow_uuid = found->uuid;
        m.flow_name = found->name;
      }
    }
  } else {
    if (trimmed(in.text).empty()) out.errors.push_back({"c-text", "Text: write the message (the default language)."});
    m.texts.emplace_back("", in.text);
    static const std::regex iso639_3("^[a-z]{3}$");
    for (size_t i = 0; i < in.translations.size(); ++i) {
      const auto& [lang, text] = in.translations[i];
      std::string row = std::to_string(i + 1);
      if (!std::regex_match(lang, iso639_3)) {
        out.errors.push_back({"c-lang-" + row, "Translation " + row + ": language '" + lang +
                                                   "' is not an ISO 639-3 code (three lower-case letters, e.g. fra)."});
      } else if (trimmed(text).empty()) {
        out.errors.push_back({"c-text-" + row, "Translation " + row + " (" + lang + "): write the text or clear the language."});
      }
      m.texts.emplace_back(lang, text);
    }
  }
  m.urgent = in.priority == "urgent";
  if (!in.channel.empty()) {
    if (registry::parse_channel(in.channel)) {
      m.channels = {in.channel};
    } else {
      out.errors.push_back({"c-channel-any", "Channel: '" + in.channel + "' is not sms, whatsapp or telegram."});
    }
  }
  if (!in.not_before.empty()) {
    auto t = parse_when("Not before", in.not_before, now);
    if (t.ok()) m.not_before_ms = *t;
    else out.errors.push_back({"c-not-before", t.status().message() + "."});
  }
  if (!in.expires.empty()) {
    auto t = parse_when("Expires", in.expires, now);
    if (t.ok()) m.expires_at_ms = *t;
    else out.errors.push_back({"c-expires", t.status().message() + "."});
  }
  if (!in.previewed.empty()) {
    try {
      m.previewed_count = static_cast<uint32_t>(std::stoul(in.previewed));
    } catch (const std::exception&) {
      out.errors.push_back({"", "The confirmed count '" + in.previewed + "' is not a number; review the message again."});
    }
  }
  if (m.target.empty()) {
    out.errors.push_back({"c-cadre", "Who: pick at least one cadre, district, facility or skill, or name health workers."});
  }
  // prepare_message's checks (the times against now and each other) run even when the form has
  // other problems, so that one round trip on a slow link shows them all. Beside those, only a
  // problem of a control not yet named is added (not an echo of one already shown).
  Status ok = prepare_message(m, role, district, now);
  if (!ok.ok()) {
    FieldError problem{field_of(ok.message()), in_form_words(ok.message()) + "."};
    bool named = std::any_of(out.errors.begin(), out.errors.end(),
                             [&](const FieldError& e) { return e.field == problem.field; });
    if (out.errors.empty() || (!problem.field.empty() && !named)) out.errors.push_back(std::move(problem));
  }
  return out;
}

Html hidden_fields(const ComposeInput& in) {
  Html h;
  auto hidden = [&](std::string_view name, std::string_view value) {
    h.empty("input", {{"type", "hidden"}, {"name", name}, {"value", value}});
  };
  hidden("form_token", in.form_token);
  hidden("kind", in.kind);
  hidden("text", in.text);
  for (const auto& [lang, text] : in.translations) {
    hidden("lang", lang);
    hidden("ltext", text);
  }
  hidden("flow", in.flow);
  for (const auto& v : in.cadres) hidden("cadre", v);
  for (const auto& v : in.districts) hidden("district", v);
  for (const auto& v : in.facilities) hidden("facility", v);
  for (const auto& v : in.skills) hidden("skill", v);
  hidden("entities", in.entities);
  hidden("priority", in.priority);
  hidden("channel", in.channel);
  hidden("not_before", in.not_before);
  hidden("expires", in.expires);
  return h;
}

ComposeInput with_gsm7_texts(ComposeInput in) {
  in.text = gsm7_form(in.text);
  for (auto& t : in.translations) t.second = gsm7_form(t.second);
  return in;
}

}  // namespace mhero::console
