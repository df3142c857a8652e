#include "node/standard_views.h"

namespace mhero {

std::vector<std::unique_ptr<View>> make_standard_views() {
  std::vector<std::unique_ptr<View>> views;
  return views;
}

}  // namespace mhero
