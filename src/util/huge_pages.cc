#include "util/huge_pages.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace mhero {

void run_on_huge_pages(char** argv) {
  constexpr const char* kTunable = "glibc.malloc.hugetlb";
  const char* current = std::getenv("GLIBC_TUNABLES");
  std::string tunables = current != nullptr ? current : "";
  if (tunables.find(kTunable) != std::string::npos) return;  // Set, by us or by the user.
  tunables += (tunables.empty() ? "" : ":") + std::string(kTunable) + "=1";
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // No /proc, or not allowed: run on without. Leave the tunable set so that children do not try.
}

}  // namespace mhero
