#include "node/standard_views.h"

#include "node/enrollment.h"

namespace mhero {

std::vector<std::unique_ptr<View>> make_standard_views() {
  std::vector<std::unique_ptr<View>> views;
  views.push_back(std::make_unique<EnrollmentView>());
  return views;
}

}  // namespace mhero
