#include "node/data_modes.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <system_error>

namespace mhero {

namespace fs = std::filesystem;

namespace {

constexpr auto kGroupOther = fs::perms::group_all | fs::perms::others_all;

void check(const fs::path& path, const fs::file_status& st, std::vector<LoosePath>& out) {
  if (st.type() != fs::file_type::regular && st.type() != fs::file_type::directory) return;
  if ((st.permissions() & kGroupOther) == fs::perms::none) return;
  out.push_back({path, static_cast<unsigned>(st.permissions() & fs::perms::mask)});
}

}  // namespace

std::vector<LoosePath> find_loose_paths(const fs::path& dir) {
  std::vector<LoosePath> out;
  std::error_code ec;
  auto st = fs::symlink_status(dir, ec);
  if (ec) return out;
  check(dir, st, out);
  if (st.type() != fs::file_type::directory) return out;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code sec;
    auto entry_st = it->symlink_status(sec);
    if (!sec) check(it->path(), entry_st, out);
  }
  return out;
}

std::string mode_text(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777u);
  return buf;
}

std::string loose_paths_warning(const fs::path& dir, const std::vector<LoosePath>& loose) {
  if (loose.empty()) return "";
  std::string out = "data at rest: " + std::to_string(loose.size()) + " path" + (loose.size() == 1 ? "" : "s") +
                    " in " + dir.string() +
                    " can be read by other users (this directory holds the node's key, the tokens of "
                    "config.toml and every health worker's name and phone number):";
  const size_t shown = std::min<size_t>(loose.size(), 10);
  for (size_t i = 0; i < shown; ++i) out += "\n  " + loose[i].path.string() + " mode " + mode_text(loose[i].mode);
  if (loose.size() > shown) out += "\n  … and " + std::to_string(loose.size() - shown) + " more";
  out += "\nfix: chmod -R go-rwx " + dir.string() + " (directories 0700, files 0600)";
  return out;
}

Status make_private(const fs::path& path) {
  std::error_code ec;
  bool is_dir = fs::is_directory(path, ec);
  if (!ec) fs::permissions(path, is_dir ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write,
                           fs::perm_options::replace, ec);
  if (ec) return failed_precondition("cannot make " + path.string() + " private (chmod): " + ec.message());
  return {};
}

namespace {

std::string user_name(uid_t uid) {
  passwd entry{};
  passwd* found = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &entry, buf, sizeof buf, &found) == 0 && found) return found->pw_name;
  return "uid " + std::to_string(uid);
}

}  // namespace

Status check_data_owner(const fs::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Status::ok_status();  // Not there yet: init makes it.
  uid_t self = ::geteuid();
  if (st.st_uid == self) return Status::ok_status();
  std::string owner = user_name(st.st_uid);
  return failed_precondition(dir.string() + " belongs to " + owner + ", and this is " + user_name(self) +
                             ": files written now would lock " + owner +
                             "'s service out of its own data. Run the command as its owner: sudo -u " +
                             owner + " mhero … (or start `mhero run` as " + owner +
                             " and use the same)");
}

}  // namespace mhero
