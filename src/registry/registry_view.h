// The registry view (key layout in registry_keys.h): the current provider, facility,
// organization and code-list records by id, and provider indexes by cadre, district, facility,
// skill and phone, folded from registrySnapshot and registryDelta entries.
//
// Order independence: a record carries the HLC time and scope of the entry that wrote it. A
// newer write (higher HLC) replaces an older one whatever the order entries arrive in. A removal
// applies only to a record last written in the same scope (a provider that moved from district
// A to B is removed from A's feed and added to B's; the removal never hides the addition).
#pragma once

#include "store/view.h"

namespace mhero::registry {

class RegistryView final : public View {
 public:
  std::string_view name() const override;
  int version() const override { return 2; }  // 2: registry/w/ writer keys.
  /// Applies every record of a registry chunk; ignores every other kind.
  /// Errors: corruption when a held record does not decode.
  Status apply(const Entry& entry, ViewBatch& batch) override;
};

}  // namespace mhero::registry
