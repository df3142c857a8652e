#include "cli/registry_json.h"

namespace mhero::cli {

const char* status_name(registry::RecordStatus s) {
  switch (s) {
    case registry::RecordStatus::active:
      return "active";
    case registry::RecordStatus::inactive:
      return "inactive";
    case registry::RecordStatus::unknown:
      break;
  }
  return "unknown";
}

nlohmann::json provider_json(const registry::ProviderRecord& p) {
  auto codes = [](const std::vector<registry::CodedValue>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : list) {
      out.push_back({{"code", c.code}, {"coding_scheme", c.coding_scheme}, {"label", c.label}});
    }
    return out;
  };
  nlohmann::json phones = nlohmann::json::array();
  for (const auto& ph : p.phones) {
    phones.push_back({{"raw", ph.raw}, {"e164", ph.e164}, {"valid", ph.valid}, {"mobile", ph.mobile},
                      {"channel", registry::channel_name(ph.channel)}, {"urn", ph.urn()}});
  }
  return {{"entity_id", p.entity_id},
          {"name", p.display_name()},
          {"common_names", p.common_names},
          {"forename", p.forename},
          {"surname", p.surname},
          {"cadres", codes(p.cadres)},
          {"skills", codes(p.skills)},
          {"facility_ids", p.facility_ids},
          {"organization_ids", p.organization_ids},
          {"district", p.district},
          {"phones", phones},
          {"mobile", p.mobile_e164()},
          {"preferred_channel", p.preferred_channel ? registry::channel_name(*p.preferred_channel) : ""},
          {"urns", p.urns()},
          {"status", status_name(p.status)},
          {"updated", p.updated},
          {"source", p.source},
          {"origin", p.origin},
          {"correction", p.correction},
          {"source_differs", p.source_differs}};
}

}  // namespace mhero::cli
