#include "messaging/registry_directory.h"

#include <algorithm>

#include "registry/registry_query.h"
#include "registry/targeting.h"

namespace mhero {

Result<std::vector<registry::Channel>> parse_channels(const std::vector<std::string>& names) {
  std::vector<registry::Channel> out;
  for (const auto& n : names) {
    auto c = registry::parse_channel(n);
    if (!c) return invalid_argument("unknown channel '" + n + "': use sms, whatsapp or telegram");
    if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
  }
  return out;
}

Result<std::vector<registry::Channel>> load_channel_order(const toml::table& table) {
  std::vector<registry::Channel> out{std::begin(registry::kChannels), std::end(registry::kChannels)};
  auto list = table["rapidpro"]["channel_order"].as_array();
  if (!list) return out;
  out.clear();
  for (size_t i = 0; i < list->size(); ++i) {
    std::string name = (*list)[i].value_or(std::string());
    auto c = registry::parse_channel(name);
    std::string where = "config [rapidpro] channel_order item " + std::to_string(i + 1) + " '" + name + "'";
    if (!c) return invalid_argument(where + ": not a channel (sms, whatsapp, telegram)");
    if (std::find(out.begin(), out.end(), *c) != out.end()) return invalid_argument(where + ": named twice");
    out.push_back(*c);
  }
  return out;
}

Worker RegistryDirectory::worker_of(const registry::ProviderRecord& p) const {
  return {p.entity_id, p.display_name(), p.mobile_e164(), p.district, p.urns(order_)};
}

Result<Reach> RegistryDirectory::resolve(const MessageTarget& t, const std::vector<std::string>& channels) const {
  registry::TargetSpec spec{t.cadres, t.districts, t.facilities, t.skills, t.entity_ids};
  MHERO_ASSIGN_OR_RETURN(spec.channels, parse_channels(channels));
  spec.channel_order = order_;
  MHERO_ASSIGN_OR_RETURN(auto res, registry::resolve_target(views_, spec));
  Reach out;
  for (auto& r : res.recipients) {
    out.workers.push_back({r.entity_id, r.name, r.e164, r.district, std::move(r.urns), std::move(r.send_urn)});
  }
  out.excluded_inactive = res.excluded_inactive;
  out.excluded_no_mobile = res.excluded_no_mobile;
  out.excluded_unassigned = res.excluded_unassigned;
  out.excluded_no_channel = res.excluded_no_channel;
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
