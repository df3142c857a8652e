#include "node/store_origin.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace mhero {

namespace {
constexpr std::string_view kOriginKey = "node/origin";

std::string read_machine_id() {
  for (const char* path : {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
    std::ifstream in(path);
    std::string line;
    if (in && std::getline(in, line) && !line.empty()) return line;
  }
  return "";
}
}  // namespace

std::string StoreOrigin::text() const {
  return "machine " + (machine_id.empty() ? std::string("(no machine-id)") : machine_id) + " directory inode " +
         std::to_string(db_inode);
}

Result<StoreOrigin> current_store_origin(const std::filesystem::path& db) {
  struct stat st {};
  if (::stat(db.c_str(), &st) != 0) {
    return failed_precondition("cannot read " + db.string() + ": " + std::strerror(errno));
  }
  return StoreOrigin{read_machine_id(), static_cast<uint64_t>(st.st_ino)};
}

Result<bool> check_store_origin(LogStore& store, const StoreOrigin& now) {
  MHERO_ASSIGN_OR_RETURN(auto recorded, store.get_meta(kOriginKey));
  if (recorded && *recorded == now.text()) return false;
  bool moved = recorded.has_value();
  if (moved && !store.write_hold()) {  // A hold already in force (a restore) keeps its reason.
    MHERO_RETURN_IF_ERROR(store.hold_writes("its store was copied or moved: it was made at " + *recorded +
                                            " and is now at " + now.text()));
  }
  MHERO_RETURN_IF_ERROR(store.put_meta(kOriginKey, now.text()));
  return moved;
}

}  // namespace mhero
