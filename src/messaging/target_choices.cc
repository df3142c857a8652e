#include "messaging/target_choices.h"

#include <algorithm>
#include <map>

#include "registry/registry_keys.h"
#include "registry/registry_query.h"
#include "util/plural.h"

namespace mhero {

namespace {

using registry::CodedValue;

struct Tally {
  std::string label;
  std::string detail;
  size_t providers = 0, reachable = 0;
  bool name_only = false;
};

std::vector<TargetChoice> sorted(const std::map<std::string, Tally>& tallies) {
  std::vector<TargetChoice> out;
  for (const auto& [value, t] : tallies) out.push_back({value, t.label, t.detail, t.providers, t.reachable, t.name_only});
  std::sort(out.begin(), out.end(), [](const TargetChoice& a, const TargetChoice& b) {
    const std::string& la = a.label.empty() ? a.value : a.label;
    const std::string& lb = b.label.empty() ? b.value : b.label;
    return la != lb ? la < lb : a.value < b.value;
  });
  return out;
}

}  // namespace

std::string choice_text(const TargetChoice& c) {
  if (c.label.empty() || c.label == c.value) return c.value;
  if (c.name_only) return c.label;
  return c.label + " (" + c.value + ")";
}

std::string reach_text(const TargetChoice& c) {
  if (c.reachable == c.providers) return counted(c.providers, "worker");
  return std::to_string(c.reachable) + " of " + counted(c.providers, "worker") + " reachable";
}

Result<TargetChoices> target_choices(const ViewReader& views) {
  // Value sets: (scheme, code) -> display name, and code -> display name for any scheme.
  std::map<std::pair<std::string, std::string>, std::string> by_scheme;
  std::map<std::string, std::string> by_code;
  Status bad;
  MHERO_RETURN_IF_ERROR(views.scan(registry::record_prefix(registry::RecordKind::code_list),
                                   [&](std::string_view, std::string_view v) {
                                     auto stored = registry::decode_stored<registry::CodeList>(v);
                                     if (!stored.ok()) {
                                       bad = stored.status();
                                       return false;
                                     }
                                     for (const auto& c : stored->record.codes) {
                                       if (c.label.empty()) continue;
                                       by_scheme[{stored->record.oid, c.code}] = c.label;
                                       by_code.emplace(c.code, c.label);
                                     }
                                     return true;
                                   }));
  MHERO_RETURN_IF_ERROR(bad);
  auto label_of = [&](const CodedValue& c) {
    if (auto it = by_scheme.find({c.coding_scheme, c.code}); it != by_scheme.end()) return it->second;
    if (auto it = by_code.find(c.code); it != by_code.end()) return it->second;
    return c.label;
  };

  std::map<std::string, Tally> cadres, skills, districts, facilities;
  MHERO_RETURN_IF_ERROR(registry::for_each_provider(views, [&](const registry::ProviderRecord& p) {
    const size_t reachable = p.status != registry::RecordStatus::inactive && !p.district.empty() && !p.urns().empty();
    auto count = [&](Tally& t) {
      ++t.providers;
      t.reachable += reachable;
    };
    for (const auto& c : p.cadres) {
      auto& t = cadres[c.code];
      if (t.label.empty()) t.label = label_of(c);
      count(t);
    }
    for (const auto& c : p.skills) {
      auto& t = skills[c.code];
      if (t.label.empty()) t.label = label_of(c);
      count(t);
    }
    if (!p.district.empty()) count(districts[p.district]);
    for (const auto& f : p.facility_ids) count(facilities[f]);
    return true;
  }));

  MHERO_ASSIGN_OR_RETURN(auto orgs, registry::held_organizations(views));
  for (auto& [code, t] : districts) {
    // The district's organization: the first (by entityID) whose parent is outside the district.
    std::string best_id, any_id;
    for (const auto& [id, o] : orgs) {
      if (o.removed || o.district != code || o.name.empty()) continue;
      if (any_id.empty() || id < any_id) any_id = id;
      auto parent = orgs.find(o.parent_id);
      bool top = parent == orgs.end() || parent->second.district != code;
      if (top && (best_id.empty() || id < best_id)) best_id = id;
    }
    if (best_id.empty()) best_id = any_id;
    if (!best_id.empty()) t.label = orgs.at(best_id).name;
  }
  MHERO_ASSIGN_OR_RETURN(auto held, registry::held_facilities(views));
  for (auto& [id, t] : facilities) {
    auto f = held.find(id);
    if (f == held.end()) continue;
    t.label = f->second.name;
    t.detail = f->second.district;
  }
  // Facilities per (name, district): a name held twice in one district keeps its entityIDs (the
  // picker shows the district beside the name, which tells the others apart).
  std::map<std::pair<std::string, std::string>, size_t> named;
  for (const auto& [id, t] : facilities) ++named[{t.label, t.detail}];
  for (auto& [id, t] : facilities) t.name_only = !t.label.empty() && named[{t.label, t.detail}] == 1;
  return TargetChoices{sorted(cadres), sorted(skills), sorted(districts), sorted(facilities)};
}

UnknownTargetCodes unknown_target_codes(const TargetChoices& held, const MessageTarget& target) {
  UnknownTargetCodes out;
  if (held.cadres.empty() && held.skills.empty() && held.districts.empty() && held.facilities.empty()) return out;
  auto missing = [](const std::vector<std::string>& wanted, const std::vector<TargetChoice>& choices) {
    std::vector<std::string> absent;
    for (const auto& w : wanted) {
      bool found = std::any_of(choices.begin(), choices.end(), [&](const TargetChoice& c) { return c.value == w; });
      if (!found && std::find(absent.begin(), absent.end(), w) == absent.end()) absent.push_back(w);
    }
    return absent;
  };
  out.cadres = missing(target.cadres, held.cadres);
  out.skills = missing(target.skills, held.skills);
  out.districts = missing(target.districts, held.districts);
  out.facilities = missing(target.facilities, held.facilities);
  return out;
}

Result<std::vector<std::string>> unknown_entity_ids(const ViewReader& views, const std::vector<std::string>& ids) {
  std::vector<std::string> unknown;
  if (ids.empty()) return unknown;
  bool any_provider = false;
  MHERO_RETURN_IF_ERROR(registry::for_each_provider(views, [&](const registry::ProviderRecord&) {
    any_provider = true;
    return false;  // One is enough.
  }));
  if (!any_provider) return unknown;
  for (const auto& id : ids) {
    auto found = registry::find_provider(views, id);
    if (!found.ok() && found.status().code() != StatusCode::not_found) return found.status();
    if (!found.ok()) unknown.push_back(id);
  }
  return unknown;
}

std::string unknown_codes_text(const std::string& kind, const std::vector<std::string>& unknown,
                               const std::vector<TargetChoice>& held) {
  constexpr size_t kShown = 8;
  auto quoted = [](const std::string& v) { return "\"" + v + "\""; };
  std::string text = "no health worker in this node's registry carries the " + kind +
                     (kind == "facility" ? " entityID" : " code") + (unknown.size() > 1 ? "s " : " ");
  for (size_t i = 0; i < unknown.size(); ++i) text += (i ? ", " : "") + quoted(unknown[i]);
  if (held.empty()) return text + " (none of its workers has one)";
  // Codes in their own order (a reader scans for the one meant); a facility by its name too.
  std::vector<std::string> shown;
  for (const TargetChoice& c : held) {
    shown.push_back(kind == "facility" && !c.label.empty() ? c.label + " = " + c.value : c.value);
  }
  if (kind != "facility") std::sort(shown.begin(), shown.end());
  text += " (it holds ";
  for (size_t i = 0; i < shown.size() && i < kShown; ++i) {
    text += (i == 0 ? "" : (i + 1 == shown.size() ? " and " : ", ")) + shown[i];
  }
  if (held.size() > kShown) text += " and " + std::to_string(held.size() - kShown) + " more";
  return text + ")";
}

}  // namespace mhero
