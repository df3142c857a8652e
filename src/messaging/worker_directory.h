// The seam between messaging and the registry: who a target reaches and who a RapidPro contact
// is. The real implementation reads the registry view (registry_directory.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "messaging/message_codec.h"
#include "util/status.h"

namespace mhero {

struct Worker {
  std::string entity_id, name, e164, district;  // e164: the sms mobile, "" when it has none.
  /// RapidPro urns that reach the worker, best first (registry ProviderRecord::urns): its
  /// contact's urns in this order.
  std::vector<std::string> urns{};
  /// From resolve(): the first of `urns` on the message's channels, the one a send uses.
  std::string send_urn{};
};

struct Reach {
  std::vector<Worker> workers;  // Each health worker once, in entityID order.
  size_t excluded_inactive = 0, excluded_no_mobile = 0, excluded_unassigned = 0;
  size_t excluded_no_channel = 0;  // Reachable, but on none of the message's channels.
};

class WorkerDirectory {
 public:
  virtual ~WorkerDirectory() = default;
  /// Active workers matching `target` that a contact point on one of `channels` ("sms",
  /// "whatsapp", "telegram"; empty = any) reaches. Errors: invalid_argument (empty target, an
  /// unknown channel), corruption.
  virtual Result<Reach> resolve(const MessageTarget& target, const std::vector<std::string>& channels) const = 0;
  /// Any channel.
  Result<Reach> resolve(const MessageTarget& target) const { return resolve(target, {}); }
  /// The worker with this CSD entityID, nullopt when not held.
  virtual Result<std::optional<Worker>> find(const std::string& entity_id) const = 0;
  /// The worker with this E.164 phone (first in entityID order), nullopt when none.
  virtual Result<std::optional<Worker>> find_by_phone(const std::string& e164) const = 0;
  /// Every worker with this E.164 phone among its numbers, in entityID order (several when the
  /// phone is shared). The default wraps find_by_phone.
  virtual Result<std::vector<Worker>> find_all_by_phone(const std::string& e164) const {
    MHERO_ASSIGN_OR_RETURN(auto one, find_by_phone(e164));
    std::vector<Worker> out;
    if (one) out.push_back(*one);
    return out;
  }
};

}  // namespace mhero
