// Who a message goes to (DESIGN.md "outgoingMessage" target): resolves a target against the
// registry view this node holds.
#pragma once

#include <string>
#include <vector>

#include "registry/registry_query.h"
#include "store/view.h"
#include "util/status.h"

namespace mhero::registry {

/// Values within one list are OR-ed; non-empty lists are AND-ed. cadres and skills are codes
/// (provider codedType / specialty / credential @code), districts are district codes,
/// facilities and entity_ids are CSD entityIDs.
struct TargetSpec {
  std::vector<std::string> cadres, districts, facilities, skills, entity_ids;
  /// Only these channels may reach a provider (a message's channels); empty = any.
  std::vector<Channel> channels{};
  /// The urn order after a provider's own preferred channel ([rapidpro] channel_order).
  std::vector<Channel> channel_order{std::begin(kChannels), std::end(kChannels)};
};

struct Recipient {
  std::string entity_id, name, e164, district;  // name: ProviderRecord::display_name(); e164:
                                                // the sms mobile ("" when only other channels).
  /// Every urn that reaches the provider, best first (ProviderRecord::urns); never empty.
  std::vector<std::string> urns{};
  /// The first of `urns` on the spec's channels: the one a send uses.
  std::string send_urn{};
};

struct TargetResolution {
  std::vector<Recipient> recipients;  // In entityID order, each provider at most once.
  size_t excluded_inactive = 0, excluded_no_mobile = 0, excluded_unassigned = 0;
  size_t excluded_no_channel = 0;  // Reachable, but on none of the spec's channels.
};

/// Active providers matching spec (values of one kind OR, kinds AND) that a contact point
/// reaches. A matching provider is excluded, and counted once in the first that applies, when
/// its status is inactive, when it has no district (unassigned), when no contact point reaches it
/// (no valid mobile, WhatsApp number or Telegram id: excluded_no_mobile), or when none of those is
/// on the spec's channels (excluded_no_channel). Status "unknown" (missing in the source) counts
/// as active. Explicit entityIDs
/// that are not held (or removed) are skipped. Errors: invalid_argument for a spec with every
/// list empty (never "everyone" by accident); corruption from the view.
Result<TargetResolution> resolve_target(const ViewReader& views, const TargetSpec& spec);

}  // namespace mhero::registry

namespace mhero {
using registry::find_by_phone;
using registry::find_provider;
using registry::ProviderRecord;
using registry::Recipient;
using registry::resolve_target;
using registry::TargetResolution;
using registry::TargetSpec;
}  // namespace mhero
