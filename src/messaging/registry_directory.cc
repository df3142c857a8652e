#include "messaging/registry_directory.h"

#include "registry/registry_query.h"
#include "registry/targeting.h"

namespace mhero {

namespace {
Worker worker_of(const registry::ProviderRecord& p) {
  return {p.entity_id, p.display_name(), p.mobile_e164(), p.district};
}
}  // namespace

Result<Reach> RegistryDirectory::resolve(const MessageTarget& t) const {
  registry::TargetSpec spec{t.cadres, t.districts, t.facilities, t.skills, t.entity_ids};
  MHERO_ASSIGN_OR_RETURN(auto res, registry::resolve_target(views_, spec));
  Reach out;
  for (auto& r : res.recipients) out.workers.push_back({r.entity_id, r.name, r.e164, r.district});
  out.excluded_inactive = res.excluded_inactive;
  out.excluded_no_mobile = res.excluded_no_mobile;
  out.excluded_unassigned = res.excluded_unassigned;
  return out;
}

Result<std::optional<Worker>> RegistryDirectory::find(const std::string& entity_id) const {
  auto p = registry::find_provider(views_, entity_id);
  if (!p.ok()) {
    if (p.status().code() == StatusCode::not_found) return std::optional<Worker>();
    return p.status();
  }
  return std::optional<Worker>(worker_of(*p));
}

Result<std::optional<Worker>> RegistryDirectory::find_by_phone(const std::string& e164) const {
  MHERO_ASSIGN_OR_RETURN(auto list, registry::find_by_phone(views_, e164));
  if (list.empty()) return std::optional<Worker>();
  return std::optional<Worker>(worker_of(list.front()));
}

Result<std::vector<Worker>> RegistryDirectory::find_all_by_phone(const std::string& e164) const {
  MHERO_ASSIGN_OR_RETURN(auto list, registry::find_by_phone(views_, e164));
  std::vector<Worker> out;
  for (const auto& p : list) out.push_back(worker_of(p));
  return out;
}

}  // namespace mhero
