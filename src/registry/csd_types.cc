#include "registry/csd_types.h"

#include <algorithm>

namespace mhero::registry {

std::string_view channel_name(Channel c) {
  switch (c) {
    case Channel::sms: return "sms";
    case Channel::whatsapp: return "whatsapp";
    case Channel::telegram: return "telegram";
  }
  return "other";  // A newer node's channel.
}

std::optional<Channel> parse_channel(std::string_view name) {
  for (Channel c : kChannels) {
    if (channel_name(c) == name) return c;
  }
  return std::nullopt;
}

std::optional<Channel> channel_of_urn(std::string_view urn) {
  if (urn.starts_with("tel:")) return Channel::sms;
  if (urn.starts_with("whatsapp:")) return Channel::whatsapp;
  if (urn.starts_with("telegram:")) return Channel::telegram;
  return std::nullopt;
}

std::string PhoneNumber::urn() const {
  if (!valid) return {};
  switch (channel) {
    case Channel::sms: return mobile && !e164.empty() ? "tel:" + e164 : std::string();
    case Channel::whatsapp: return e164.size() > 1 ? "whatsapp:" + e164.substr(1) : std::string();
    case Channel::telegram: return "telegram:" + raw;
  }
  return {};
}

std::string ProviderRecord::display_name() const {
  if (!forename.empty() || !surname.empty()) {
    if (forename.empty()) return surname;
    if (surname.empty()) return forename;
    return forename + " " + surname;
  }
  if (!common_names.empty()) return common_names.front();
  return entity_id;
}

std::string ProviderRecord::mobile_e164() const {
  for (const auto& p : phones) {
    if (p.channel == Channel::sms && p.valid && p.mobile && !p.e164.empty()) return p.e164;
  }
  return {};
}

std::vector<std::string> ProviderRecord::urns(std::span<const Channel> order) const {
  std::vector<Channel> ranked;
  auto rank = [&](Channel c) {
    if (std::find(ranked.begin(), ranked.end(), c) == ranked.end()) ranked.push_back(c);
  };
  if (preferred_channel) rank(*preferred_channel);
  for (Channel c : order) rank(c);
  for (Channel c : kChannels) rank(c);
  std::vector<std::string> out;
  for (Channel c : ranked) {
    for (const auto& p : phones) {
      if (p.channel != c) continue;
      std::string urn = p.urn();
      if (urn.empty()) continue;
      out.push_back(std::move(urn));
      break;
    }
  }
  return out;
}

bool ProviderRecord::same_record(const ProviderRecord& o) const {
  return entity_id == o.entity_id && common_names == o.common_names && forename == o.forename &&
         surname == o.surname && cadres == o.cadres && skills == o.skills &&
         facility_ids == o.facility_ids && organization_ids == o.organization_ids &&
         district == o.district && phones == o.phones && status == o.status &&
         updated == o.updated && removed == o.removed && source == o.source &&
         correction == o.correction && source_differs == o.source_differs &&
         preferred_channel == o.preferred_channel;
}

bool FacilityRecord::same_record(const FacilityRecord& o) const {
  return entity_id == o.entity_id && name == o.name && organization_ids == o.organization_ids &&
         district == o.district && updated == o.updated && removed == o.removed &&
         facility_types == o.facility_types && source == o.source;
}

bool OrganizationRecord::same_record(const OrganizationRecord& o) const {
  return entity_id == o.entity_id && name == o.name && parent_id == o.parent_id &&
         district == o.district && updated == o.updated && removed == o.removed &&
         source == o.source;
}

}  // namespace mhero::registry
