#include "countrysim/scenario.h"

#include <toml++/toml.h>

#include <set>

namespace mhero::countrysim {

namespace {

// Link kinds of the default scenario (issue 17, DESIGN.md "Links"): 2G with a daily window of
// 1-3 h, 3G with outages of hours to days, VSAT windows of 30 min twice a day, and none.
std::vector<LinkKind> standard_links() {
  LinkKind g2{"2g", 40, 600, 300, LinkKind::Pattern::daily_window, 1, 3, {}, 0, 0, 0};
  LinkKind g3{"3g", 384, 200, 4000, LinkKind::Pattern::outages, 0, 0, {}, 4, 2, 72};
  LinkKind vsat{"vsat", 256, 650, 20000, LinkKind::Pattern::fixed_windows, 0.5, 0.5, {8, 16}, 0, 0, 0};
  LinkKind none{"none", 0, 0, 0, LinkKind::Pattern::none, 0, 0, {}, 0, 0, 0};
  return {g2, g3, vsat, none};
}

}  // namespace

const LinkKind& Scenario::link(const std::string& name) const {
  for (const LinkKind& k : links) {
    if (k.name == name) return k;
  }
  throw std::out_of_range("no link kind named '" + name + "'");
}

Scenario default_scenario() {
  Scenario s;
  s.links = standard_links();
  for (int i = 0; i < 5; ++i) s.district_links.push_back("2g");
  for (int i = 0; i < 8; ++i) s.district_links.push_back("3g");
  for (int i = 0; i < 4; ++i) s.district_links.push_back("vsat");
  for (int i = 0; i < 3; ++i) s.district_links.push_back("none");
  s.events.backup_day = 60;
  s.events.restore_day = 74;   // A two-week-old backup.
  s.events.restore_district = 5;  // D06, on 3G.
  s.events.revoke_day = 100;
  s.events.revoke_district = 1;   // D02, on 2G.
  s.events.central_down_day = 120;
  s.events.rapidpro_down_day = 140;
  return s;
}

Scenario quick_scenario() {
  Scenario s;
  s.links = standard_links();
  s.days = 30;
  s.workers = 2000;
  s.district_links = {"2g", "3g", "vsat", "none", "3g"};
  s.urgent_alerts = 2;
  s.survey_every_days = 15;
  s.events.backup_day = 3;
  s.events.restore_day = 10;
  s.events.restore_district = 1;  // D02, on 3G.
  s.events.revoke_day = 13;
  s.events.revoke_district = 4;   // D05, on 3G.
  s.events.central_down_day = 17;
  s.events.rapidpro_down_day = 21;
  return s;
}

Status check_scenario(const Scenario& s) {
  if (s.districts() == 0) return invalid_argument("the scenario has no districts (district_links is empty)");
  if (s.districts() > 99) return invalid_argument("at most 99 districts (D01-D99)");
  std::set<std::string> names;
  for (const LinkKind& k : s.links) {
    if (!names.insert(k.name).second) return invalid_argument("link kind '" + k.name + "' is defined twice");
    if (k.pattern != LinkKind::Pattern::none && (k.kbit_s <= 0 || k.rtt_ms < 0)) {
      return invalid_argument("link kind '" + k.name + "': kbit_s must be > 0 and rtt_ms >= 0");
    }
    if (k.pattern == LinkKind::Pattern::fixed_windows && k.window_hours.empty()) {
      return invalid_argument("link kind '" + k.name + "': fixed_windows needs window_hours");
    }
  }
  for (size_t i = 0; i < s.districts(); ++i) {
    if (!names.count(s.district_links[i])) {
      return invalid_argument("district " + std::to_string(i + 1) + " names the link kind '" + s.district_links[i] +
                              "', which the scenario does not define");
    }
  }
  if (s.days <= 0 || s.tick_minutes <= 0 || 1440 % s.tick_minutes != 0) {
    return invalid_argument("days must be > 0 and tick_minutes a divisor of 1440");
  }
  for (double share : {s.monthly_churn, s.stick_lost, s.stick_via_neighbour, s.answer_share}) {
    if (share < 0 || share > 1) return invalid_argument("shares (churn, stick_lost, …) must be within 0..1");
  }
  if (s.workers < s.districts() * 10) return invalid_argument("at least 10 workers per district");
  const Events& e = s.events;
  auto inside = [&](int day) { return day < s.days; };
  if ((e.restore_day >= 0) != (e.backup_day >= 0) || (e.restore_day >= 0 && e.restore_day <= e.backup_day)) {
    return invalid_argument("events: restore_day must come after backup_day (both set, or neither)");
  }
  if (!inside(e.restore_day) || !inside(e.revoke_day) || !inside(e.central_down_day) || !inside(e.rapidpro_down_day)) {
    return invalid_argument("events: every event day must be within the season (day < days)");
  }
  if ((e.restore_day >= 0 && e.restore_district >= s.districts()) ||
      (e.revoke_day >= 0 && e.revoke_district >= s.districts())) {
    return invalid_argument("events: restore_district and revoke_district index the districts (0-based)");
  }
  if (e.restore_day >= 0 && e.revoke_day >= 0 && e.restore_district == e.revoke_district) {
    return invalid_argument("events: restore_district and revoke_district must differ");
  }
  return {};
}

namespace {

// Reads `table`'s keys into fields, refusing any key it does not know.
class Reader {
 public:
  Reader(const toml::table& table, std::string where) : table_(table), where_(std::move(where)) {}

  template <typename T>
  Status get(const char* key, T& out) {
    seen_.insert(key);
    const toml::node* n = table_.get(key);
    if (!n) return {};
    if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = n->value<std::string>()) return out = *v, Status{};
    } else if constexpr (std::is_same_v<T, double>) {
      if (auto v = n->value<double>()) return out = *v, Status{};
    } else if constexpr (std::is_same_v<T, std::vector<std::string>> || std::is_same_v<T, std::vector<int>>) {
      if (const toml::array* a = n->as_array()) {
        out.clear();
        for (const toml::node& item : *a) {
          auto v = item.value<typename T::value_type>();
          if (!v) return bad(key);
          out.push_back(*v);
        }
        return {};
      }
    } else {
      if (auto v = n->value<int64_t>(); v && *v >= 0) return out = static_cast<T>(*v), Status{};
    }
    return bad(key);
  }

  void mark(const char* key) { seen_.insert(key); }

  Status unknown_keys() const {
    for (const auto& [key, value] : table_) {
      if (!seen_.count(std::string(key.str()))) {
        return invalid_argument(where_ + ": unknown key '" + std::string(key.str()) + "'");
      }
    }
    return {};
  }

 private:
  Status bad(const char* key) const {
    return invalid_argument(where_ + ": key '" + key + "' has the wrong type or a negative value");
  }
  const toml::table& table_;
  std::string where_;
  std::set<std::string> seen_;
};

Status read_link(const toml::table& t, const std::string& where, LinkKind& k) {
  Reader r(t, where);
  std::string pattern = "daily_window";
  for (Status s : {r.get("name", k.name), r.get("kbit_s", k.kbit_s), r.get("rtt_ms", k.rtt_ms), r.get("cut_kb", k.cut_kb),
                   r.get("pattern", pattern), r.get("window_min_h", k.window_min_h),
                   r.get("window_max_h", k.window_max_h), r.get("window_hours", k.window_hours),
                   r.get("outage_every_days", k.outage_every_days), r.get("outage_min_h", k.outage_min_h),
                   r.get("outage_max_h", k.outage_max_h), r.unknown_keys()}) {
    if (!s.ok()) return s;
  }
  if (k.name.empty()) return invalid_argument(where + ": a [[link]] needs a name");
  if (pattern == "daily_window") k.pattern = LinkKind::Pattern::daily_window;
  else if (pattern == "outages") k.pattern = LinkKind::Pattern::outages;
  else if (pattern == "fixed_windows") k.pattern = LinkKind::Pattern::fixed_windows;
  else if (pattern == "none") k.pattern = LinkKind::Pattern::none;
  else return invalid_argument(where + ": pattern '" + pattern + "' (daily_window, outages, fixed_windows or none)");
  return {};
}

}  // namespace

Result<Scenario> load_scenario(const std::filesystem::path& file, Scenario s) {
  if (!std::filesystem::exists(file)) return not_found("scenario file " + file.string() + " does not exist");
  toml::table doc;
  try {
    doc = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return invalid_argument(file.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                            std::string(e.description()));
  }
  std::string where = file.string();
  Reader r(doc, where);
  for (Status st : {r.get("seed", s.seed), r.get("days", s.days), r.get("tick_minutes", s.tick_minutes),
                    r.get("workers", s.workers), r.get("district_links", s.district_links),
                    r.get("monthly_churn", s.monthly_churn), r.get("pull_every_days", s.pull_every_days),
                    r.get("usb_trip_days", s.usb_trip_days), r.get("usb_leg_days", s.usb_leg_days),
                    r.get("stick_lost", s.stick_lost), r.get("stick_via_neighbour", s.stick_via_neighbour),
                    r.get("routine_every_days", s.routine_every_days),
                    r.get("routine_expiry_days", s.routine_expiry_days), r.get("urgent_alerts", s.urgent_alerts),
                    r.get("survey_every_days", s.survey_every_days), r.get("answer_share", s.answer_share),
                    r.get("answer_delay_hours", s.answer_delay_hours)}) {
    if (!st.ok()) return st;
  }
  std::vector<LinkKind> links;
  if (const toml::node* n = doc.get("link")) {
    r.mark("link");
    const toml::array* a = n->as_array();
    if (!a) return invalid_argument(where + ": 'link' must be an array of tables ([[link]])");
    for (size_t i = 0; i < a->size(); ++i) {
      const toml::table* t = (*a)[i].as_table();
      if (!t) return invalid_argument(where + ": link " + std::to_string(i + 1) + " is not a table");
      LinkKind k;
      MHERO_RETURN_IF_ERROR(read_link(*t, where + " [[link]] " + std::to_string(i + 1), k));
      links.push_back(std::move(k));
    }
    // A scenario's kinds replace the standard ones of the same name and add to the others.
    for (LinkKind& k : links) {
      bool replaced = false;
      for (LinkKind& old : s.links) {
        if (old.name == k.name) old = k, replaced = true;
      }
      if (!replaced) s.links.push_back(k);
    }
  }
  if (const toml::node* n = doc.get("events")) {
    r.mark("events");
    const toml::table* t = n->as_table();
    if (!t) return invalid_argument(where + ": 'events' must be a table ([events])");
    Reader e(*t, where + " [events]");
    Events& ev = s.events;
    auto day = [&](const char* key, int& out) -> Status {
      if (const toml::node* d = t->get(key); d && d->value<int64_t>() && *d->value<int64_t>() == -1) {
        e.mark(key);  // -1 = not in this scenario.
        out = -1;
        return {};
      }
      return e.get(key, out);
    };
    for (Status st : {day("backup_day", ev.backup_day), day("restore_day", ev.restore_day),
                      e.get("restore_district", ev.restore_district), day("revoke_day", ev.revoke_day),
                      e.get("revoke_district", ev.revoke_district), day("central_down_day", ev.central_down_day),
                      e.get("central_down_days", ev.central_down_days), day("rapidpro_down_day", ev.rapidpro_down_day),
                      e.get("rapidpro_down_days", ev.rapidpro_down_days), e.unknown_keys()}) {
      if (!st.ok()) return st;
    }
  }
  MHERO_RETURN_IF_ERROR(r.unknown_keys());
  MHERO_RETURN_IF_ERROR(check_scenario(s));
  return s;
}

}  // namespace mhero::countrysim
