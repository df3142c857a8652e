#include "registry/district.h"

#include <fstream>
#include <unordered_set>

#include "registry/xml_ns.h"
#include "store/scope.h"

namespace mhero::registry {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::unordered_map<std::string, std::string>> load_district_map(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return not_found("cannot read district map " + path.string());
  std::unordered_map<std::string, std::string> map;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto comma = t.find(',');
    std::string where = path.string() + ":" + std::to_string(n) + ": ";
    if (comma == std::string::npos) return invalid_argument(where + "expected 'entityID,district_code'");
    std::string id = trim(std::string_view(t).substr(0, comma));
    std::string code = trim(std::string_view(t).substr(comma + 1));
    if (n == 1 && iequals(id, "entityID")) continue;
    if (id.empty()) return invalid_argument(where + "empty entityID");
    if (!valid_district_code(code)) {
      return invalid_argument(where + "invalid district code '" + code + "'");
    }
    map[id] = code;
  }
  return map;
}

std::string district_code_from_text(std::string_view text) {
  std::string code;
  for (char c : trim(text)) code += (c == ' ') ? '-' : c;
  return valid_district_code(code) ? code : std::string();
}

DistrictResolver::DistrictResolver(const DistrictRules& rules,
                                   std::unordered_map<std::string, const FacilityRecord*> facilities,
                                   std::unordered_map<std::string, const OrganizationRecord*> organizations)
    : rules_(rules), facilities_(std::move(facilities)), organizations_(std::move(organizations)) {}

std::string DistrictResolver::from_own(
    const std::string& id, const std::vector<std::pair<std::string, std::string>>& other_ids) const {
  if (auto it = rules_.map.find(id); it != rules_.map.end()) return it->second;
  for (const auto& [authority, code] : other_ids) {
    if (authority == rules_.authority && valid_district_code(code)) return code;
  }
  return {};
}

std::string DistrictResolver::from_address(const std::vector<AddressLine>& lines) const {
  if (rules_.address_component.empty()) return {};
  for (const auto& [component, value] : lines) {
    if (iequals(component, rules_.address_component)) {
      std::string code = district_code_from_text(value);
      if (!code.empty()) return code;
    }
  }
  return {};
}

std::string DistrictResolver::organization_district(const std::string& entity_id) {
  if (auto it = org_memo_.find(entity_id); it != org_memo_.end()) return it->second;
  std::unordered_set<std::string> visited;
  std::string id = entity_id;
  std::string found;
  while (!id.empty() && visited.insert(id).second) {
    if (auto m = rules_.map.find(id); m != rules_.map.end()) {
      found = m->second;
      break;
    }
    auto it = organizations_.find(id);
    if (it == organizations_.end()) break;
    const OrganizationRecord& org = *it->second;
    found = from_own(id, org.other_ids);
    if (found.empty()) found = from_address(org.address);
    if (found.empty() && org.other_ids.empty() && org.address.empty()) found = org.district;  // Held.
    if (!found.empty()) break;
    id = org.parent_id;
  }
  org_memo_[entity_id] = found;
  return found;
}

std::string DistrictResolver::facility_district(const std::string& entity_id) {
  if (auto it = facility_memo_.find(entity_id); it != facility_memo_.end()) return it->second;
  std::string found;
  if (auto m = rules_.map.find(entity_id); m != rules_.map.end()) {
    found = m->second;
  } else if (auto it = facilities_.find(entity_id); it != facilities_.end()) {
    const FacilityRecord& f = *it->second;
    found = from_own(entity_id, f.other_ids);
    for (size_t i = 0; found.empty() && i < f.organization_ids.size(); ++i) {
      found = organization_district(f.organization_ids[i]);
    }
    if (found.empty()) found = from_address(f.address);
    if (found.empty() && f.other_ids.empty() && f.address.empty()) found = f.district;  // Held.
  }
  facility_memo_[entity_id] = found;
  return found;
}

std::string DistrictResolver::provider_district(const ProviderRecord& p) {
  for (const auto& id : p.facility_ids) {
    if (std::string d = facility_district(id); !d.empty()) return d;
  }
  for (const auto& id : p.organization_ids) {
    if (std::string d = organization_district(id); !d.empty()) return d;
  }
  return from_address(p.address);
}

}  // namespace mhero::registry
