// The materialised views every node keeps (registry, messages, …). Each subsystem adds its view
// to make_standard_views(); the CLI and the daemon register them with the store.
#pragma once

#include <memory>
#include <vector>

#include "store/view.h"

namespace mhero {

std::vector<std::unique_ptr<View>> make_standard_views();

}  // namespace mhero
