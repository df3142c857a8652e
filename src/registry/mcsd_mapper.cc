#include "registry/mcsd_mapper.h"

#include <algorithm>
#include <set>

#include "registry/mcsd_resources.h"

namespace mhero::registry {

namespace {

using mcsd::Context;

template <typename T>
void push_unique(std::vector<T>& v, const T& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

nlohmann::json codes_json(const std::vector<CodedValue>& codes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : codes) out.push_back({c.code, c.coding_scheme, c.label});
  return out;
}

std::vector<CodedValue> codes_from(const nlohmann::json& j) {
  std::vector<CodedValue> out;
  for (const auto& c : j) out.push_back(CodedValue{c.at(0), c.at(1), c.at(2)});
  return out;
}

void map_locations(const McsdChangeSet& changes, const McsdHeld& held, const McsdRules& rules,
                   const std::string& source, const std::string& authority, const Context& ctx,
                   McsdMapping& m) {
  std::unordered_map<std::string, std::string> parent_of;  // This pull's Locations.
  for (const auto& [id, r] : changes.of("Location")) {
    if (!r.deleted)
      parent_of[r.reference()] = mcsd::reference_of(r.resource.value("partOf", nlohmann::json()));
  }
  auto depth = [&](std::string ref) {
    int d = 0;
    for (; !ref.empty() && d < 64; ++d) {
      if (auto it = parent_of.find(ref); it != parent_of.end()) {
        ref = it->second;
      } else if (auto p = held.organization_parent ? held.organization_parent(ref) : std::nullopt) {
        ref = *p;
      } else {
        ref.clear();
      }
    }
    return d;
  };
  for (const auto& [id, r] : changes.of("Location")) {
    ++m.locations;
    if (!mcsd::is_active(r)) {
      m.doc.removed_facilities.push_back(r.reference());
      m.doc.removed_organizations.push_back(r.reference());
      continue;
    }
    if (!mcsd::is_jurisdiction(r.resource, rules)) {
      FacilityRecord f = mcsd::map_facility(r, ctx);
      f.source = source;
      m.doc.facilities.push_back(std::move(f));
      continue;
    }
    OrganizationRecord o = mcsd::map_jurisdiction(r, ctx);
    bool district = false;
    if (rules.district_level > 0) {
      district = depth(r.reference()) == rules.district_level;
    } else {
      for (const auto& c : mcsd::codings_of(r.resource.value("type", nlohmann::json()))) {
        district = district || c.code == rules.district_type_code;
      }
    }
    if (district) {
      std::string code = mcsd::district_code_of(r, ctx);
      if (!code.empty()) o.other_ids.emplace_back(authority, code);
    }
    o.source = source;
    m.doc.organizations.push_back(std::move(o));
  }
}

}  // namespace

std::string encode_role(const McsdRole& role) {
  nlohmann::json j{{"practitioner", role.practitioner},
                   {"jobs", codes_json(role.jobs)},
                   {"specialties", codes_json(role.specialties)},
                   {"locations", role.locations},
                   {"organizations", role.organizations}};
  return j.dump();
}

Result<McsdRole> decode_role(std::string_view text) {
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    McsdRole r;
    r.practitioner = j.at("practitioner");
    r.jobs = codes_from(j.at("jobs"));
    r.specialties = codes_from(j.at("specialties"));
    r.locations = j.at("locations").get<std::vector<std::string>>();
    r.organizations = j.at("organizations").get<std::vector<std::string>>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    return corruption(std::string("stored mCSD role is not valid: ") + e.what());
  }
}

McsdMapping map_mcsd(const McsdChangeSet& changes, const McsdHeld& held, const McsdRules& rules,
                     const PhoneNormalizer& phones, const std::string& source,
                     const std::string& district_authority) {
  McsdMapping m;
  m.doc.warnings = changes.warnings();
  Context ctx{rules, phones, m.doc.warnings};
  map_locations(changes, held, rules, source, district_authority, ctx, m);
  for (const auto& [id, r] : changes.of("Organization")) {
    ++m.organizations_fhir;
    if (!mcsd::is_active(r)) {
      m.doc.removed_organizations.push_back(r.reference());
      continue;
    }
    OrganizationRecord o = mcsd::map_organization(r, ctx);
    o.source = source;
    m.doc.organizations.push_back(std::move(o));
  }

  // Roles: merge into what is held; every practitioner a role moved from or to is rebuilt.
  std::unordered_map<std::string, McsdRole> roles = held.roles;
  std::set<std::string> affected;
  for (const auto& [id, r] : changes.of("PractitionerRole")) {
    ++m.roles;
    if (auto old = roles.find(id); old != roles.end()) affected.insert(old->second.practitioner);
    std::optional<McsdRole> role;
    if (mcsd::is_active(r)) role = mcsd::map_role(r, ctx);
    if (role) {
      affected.insert(role->practitioner);
      roles[id] = *role;
    } else {
      roles.erase(id);
    }
    m.role_updates[id] = std::move(role);
  }
  for (const auto& [id, r] : changes.of("Practitioner")) {
    ++m.practitioners;
    affected.insert(r.reference());
  }
  std::unordered_map<std::string, std::vector<std::pair<std::string, const McsdRole*>>> roles_of;
  for (const auto& [id, role] : roles) {
    if (affected.count(role.practitioner)) roles_of[role.practitioner].emplace_back(id, &role);
  }

  const auto& practitioners = changes.of("Practitioner");
  for (const std::string& ref : affected) {
    auto& its_roles = roles_of[ref];
    std::sort(its_roles.begin(), its_roles.end());
    auto in_pull = practitioners.find(ref.substr(ref.find('/') + 1));
    auto alias = held.aliases.find(ref);
    std::string key = alias == held.aliases.end() ? ref : alias->second;  // Its Provider's entityID.
    ProviderRecord p;
    if (in_pull != practitioners.end()) {
      if (!mcsd::is_active(in_pull->second)) {
        m.doc.removed_providers.push_back(key);
        continue;
      }
      p = mcsd::map_practitioner(in_pull->second, ctx);
      if (p.entity_id != key) m.alias_updates[ref] = p.entity_id == ref ? "" : p.entity_id;
    } else if (auto h = held.provider ? held.provider(key) : std::nullopt) {
      p = std::move(*h);
      p.cadres.clear();
      p.skills.clear();
      p.facility_ids.clear();
      p.organization_ids.clear();
    } else {
      for (const auto& [role_id, role] : its_roles) {
        m.doc.warnings.push_back(
            {"PractitionerRole/" + role_id, ref + " is not known yet: the role waits for it", ""});
      }
      continue;
    }
    for (const auto& [role_id, role] : its_roles) {
      for (const auto& job : role->jobs) {
        push_unique(p.skills, job);
        if (auto c = rules.job_cadres.find(job.code); c != rules.job_cadres.end()) {
          push_unique(p.cadres, c->second);
        }
      }
      for (const auto& s : role->specialties) push_unique(p.skills, s);
      for (const auto& l : role->locations) push_unique(p.facility_ids, l);
      for (const auto& o : role->organizations) push_unique(p.organization_ids, o);
    }
    p.source = source;
    m.doc.providers.push_back(std::move(p));
  }
  return m;
}

}  // namespace mhero::registry
