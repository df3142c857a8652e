// Who may write which scope (DESIGN.md "Who holds what"), before enrollment exists: `national`
// only by the pinned central key; a district scope by the central key or any other key.
#pragma once

#include <optional>

#include "identity/node_id.h"
#include "store/view.h"

namespace mhero {

class PinnedAdmission final : public Admission {
 public:
  explicit PinnedAdmission(std::optional<NodeId> central) : central_(central) {}
  Status admit(const Entry& entry, const ViewReader& state) const override;

 private:
  std::optional<NodeId> central_;
};

}  // namespace mhero
