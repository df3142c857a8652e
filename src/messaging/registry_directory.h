// WorkerDirectory over the registry view this node holds (registry/targeting.h,
// registry/registry_query.h). Thread-safe when the ViewReader is.
#pragma once

#include <toml++/toml.h>

#include "messaging/worker_directory.h"
#include "registry/csd_types.h"
#include "store/view.h"

namespace mhero {

class RegistryDirectory final : public WorkerDirectory {
 public:
  /// `views` must outlive the directory (the node's store views). `channel_order`: the urn order
  /// after each worker's preferred channel (load_channel_order).
  explicit RegistryDirectory(const ViewReader& views,
                             std::vector<registry::Channel> channel_order = {std::begin(registry::kChannels),
                                                                             std::end(registry::kChannels)})
      : views_(views), order_(std::move(channel_order)) {}
  using WorkerDirectory::resolve;
  Result<Reach> resolve(const MessageTarget& target, const std::vector<std::string>& channels) const override;
  Result<std::optional<Worker>> find(const std::string& entity_id) const override;
  Result<std::optional<Worker>> find_by_phone(const std::string& e164) const override;
  Result<std::vector<Worker>> find_all_by_phone(const std::string& e164) const override;

 private:
  Worker worker_of(const registry::ProviderRecord& p) const;

  const ViewReader& views_;
  std::vector<registry::Channel> order_;
};

/// [rapidpro] channel_order of config.toml's `table` (default sms, whatsapp, telegram).
/// Errors: invalid_argument naming the item that is not a channel, or a channel named twice.
Result<std::vector<registry::Channel>> load_channel_order(const toml::table& table);

/// The channels of a message ("sms", …) as registry channels. Errors: invalid_argument naming
/// the unknown one and the known ones.
Result<std::vector<registry::Channel>> parse_channels(const std::vector<std::string>& names);

}  // namespace mhero
