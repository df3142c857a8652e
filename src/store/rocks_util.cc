#include "store/rocks_util.h"

namespace mhero {

Status from_rocksdb(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return {};
  std::string message = what + ": " + s.ToString();
  if (s.IsNoSpace() || s.IsMemoryLimit()) return resource_exhausted(message + " (free some disk space)");
  if (s.IsCorruption()) return corruption(message);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return unavailable(message);
  if (s.IsIOError() && s.ToString().find("No space") != std::string::npos) {
    return resource_exhausted(message + " (free some disk space)");
  }
  return failed_precondition(message);
}

}  // namespace mhero
