// WorkerDirectory over the registry view this node holds (registry/targeting.h,
// registry/registry_query.h). Thread-safe when the ViewReader is.
#pragma once

#include "messaging/worker_directory.h"
#include "store/view.h"

namespace mhero {

class RegistryDirectory final : public WorkerDirectory {
 public:
  /// `views` must outlive the directory (the node's store views).
  explicit RegistryDirectory(const ViewReader& views) : views_(views) {}
  Result<Reach> resolve(const MessageTarget& target) const override;
  Result<std::optional<Worker>> find(const std::string& entity_id) const override;
  Result<std::optional<Worker>> find_by_phone(const std::string& e164) const override;
  Result<std::vector<Worker>> find_all_by_phone(const std::string& e164) const override;

 private:
  const ViewReader& views_;
};

}  // namespace mhero
