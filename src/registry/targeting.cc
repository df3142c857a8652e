#include "registry/targeting.h"

#include <algorithm>
#include <optional>
#include <set>

namespace mhero::registry {

Result<TargetResolution> resolve_target(const ViewReader& views, const TargetSpec& spec) {
  if (spec.cadres.empty() && spec.districts.empty() && spec.facilities.empty() && spec.skills.empty() &&
      spec.entity_ids.empty()) {
    return invalid_argument("empty target: name at least one cadre, district, facility, skill or entityID");
  }
  std::optional<std::set<std::string>> selected;
  auto narrow_to = [&](std::set<std::string> hits) {
    if (!selected) {
      selected = std::move(hits);
      return;
    }
    std::set<std::string> both;
    for (const auto& id : hits) {
      if (selected->count(id)) both.insert(id);
    }
    selected = std::move(both);
  };
  auto by_index = [&](std::string_view index, const std::vector<std::string>& values) -> Status {
    if (values.empty()) return {};
    std::set<std::string> hits;
    for (const auto& v : values) {
      MHERO_RETURN_IF_ERROR(scan_index(views, index, v, [&](std::string_view id) { hits.emplace(id); }));
    }
    narrow_to(std::move(hits));
    return {};
  };
  MHERO_RETURN_IF_ERROR(by_index("cadre", spec.cadres));
  MHERO_RETURN_IF_ERROR(by_index("district", spec.districts));
  MHERO_RETURN_IF_ERROR(by_index("facility", spec.facilities));
  MHERO_RETURN_IF_ERROR(by_index("skill", spec.skills));
  if (!spec.entity_ids.empty()) narrow_to(std::set<std::string>(spec.entity_ids.begin(), spec.entity_ids.end()));

  TargetResolution out;
  for (const auto& id : *selected) {
    auto p = find_provider(views, id);
    if (!p.ok()) {
      if (p.status().code() == StatusCode::not_found) continue;
      return p.status();
    }
    if (p->status == RecordStatus::inactive) {
      ++out.excluded_inactive;
      continue;
    }
    if (p->district.empty()) {
      ++out.excluded_unassigned;
      continue;
    }
    std::vector<std::string> urns = p->urns(spec.channel_order);
    if (urns.empty()) {
      ++out.excluded_no_mobile;
      continue;
    }
    auto allowed = std::find_if(urns.begin(), urns.end(), [&](const std::string& urn) {
      return spec.channels.empty() ||
             std::find(spec.channels.begin(), spec.channels.end(), *channel_of_urn(urn)) != spec.channels.end();
    });
    if (allowed == urns.end()) {
      ++out.excluded_no_channel;
      continue;
    }
    std::string send_urn = *allowed;
    out.recipients.push_back(Recipient{p->entity_id, p->display_name(), p->mobile_e164(), p->district, std::move(urns),
                                           std::move(send_urn)});
  }
  return out;
}

}  // namespace mhero::registry
