// Data at rest (node/data_modes.h): the data directory private to its user, loosened paths named.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "node/data_modes.h"
#include "node/node.h"
#include "support/temp_dir.h"

using namespace mhero;
using mhero::testing::TempDir;

namespace {

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st;
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Sets the process umask for one scope (tests run with whatever umask the shell had).
struct Umask {
  explicit Umask(mode_t m) : old(::umask(m)) {}
  ~Umask() { ::umask(old); }
  mode_t old;
};

}  // namespace

TEST_CASE("init makes the data directory private even under umask 022 and in a 0755 directory") {
  Umask loose_umask(022);
  TempDir dir;
  NodePaths paths{dir / "central"};
  std::filesystem::create_directories(paths.dir);
  std::filesystem::permissions(paths.dir, std::filesystem::perms(0755));
  REQUIRE(Node::init(paths, Role::central, "", std::nullopt).ok());
  CHECK(mode_of(paths.dir) == 0700);
  CHECK(mode_of(paths.key()) == 0600);
  CHECK(mode_of(paths.config()) == 0600);
  CHECK(mode_of(paths.db()) == 0700);
  CHECK(find_loose_paths(paths.dir).empty());
}

TEST_CASE("find_loose_paths names every file and directory group or others can access") {
  TempDir dir;
  auto root = dir / "node";
  std::filesystem::create_directories(root / "db");
  std::ofstream(root / "config.toml") << "[node]\n";
  std::ofstream(root / "db" / "000007.sst") << "x";
  std::filesystem::permissions(root, std::filesystem::perms(0700));
  std::filesystem::permissions(root / "db", std::filesystem::perms(0700));
  std::filesystem::permissions(root / "config.toml", std::filesystem::perms(0600));
  std::filesystem::permissions(root / "db" / "000007.sst", std::filesystem::perms(0600));
  std::filesystem::create_symlink("/etc/passwd", root / "link");  // Symlinks are not judged.
  CHECK(find_loose_paths(root).empty());
  CHECK(loose_paths_warning(root, {}).empty());

  std::filesystem::permissions(root / "config.toml", std::filesystem::perms(0644));
  std::filesystem::permissions(root / "db", std::filesystem::perms(0750));
  std::filesystem::permissions(root / "db" / "000007.sst", std::filesystem::perms(0604));
  auto loose = find_loose_paths(root);
  REQUIRE(loose.size() == 3);
  std::map<std::string, unsigned> by_name;
  for (const auto& l : loose) by_name[l.path.filename().string()] = l.mode;
  CHECK(by_name["config.toml"] == 0644);
  CHECK(by_name["db"] == 0750);
  CHECK(by_name["000007.sst"] == 0604);

  std::string warning = loose_paths_warning(root, loose);
  CHECK_THAT(warning, Catch::Contains("3 paths in " + root.string()));
  CHECK_THAT(warning, Catch::Contains((root / "config.toml").string() + " mode 0644"));
  CHECK_THAT(warning, Catch::Contains((root / "db").string() + " mode 0750"));
  CHECK_THAT(warning, Catch::Contains("fix: chmod -R go-rwx " + root.string()));

  REQUIRE(make_private(root / "config.toml").ok());
  REQUIRE(make_private(root / "db").ok());
  REQUIRE(make_private(root / "db" / "000007.sst").ok());
  CHECK(mode_of(root / "db") == 0700);
  CHECK(mode_of(root / "config.toml") == 0600);
  CHECK(find_loose_paths(root).empty());
}

TEST_CASE("make_private on a missing path is a failed_precondition naming it") {
  TempDir dir;
  auto s = make_private(dir / "nope");
  CHECK(s.code() == StatusCode::failed_precondition);
  CHECK_THAT(s.message(), Catch::Contains((dir / "nope").string()));
}

TEST_CASE("a node's data directory owned by another user is refused before anything is written") {
  if (::geteuid() != 0) {
    // Not root (a developer's machine): "/" belongs to root, the case is the same.
    auto st = check_data_owner("/");
    CHECK(st.code() == StatusCode::failed_precondition);
    CHECK_THAT(st.message(), Catch::Contains("belongs to root") && Catch::Contains("sudo -u root"));
    return;
  }
  // Root running `mhero` on a node the service user owns (the packaged layout, /var/lib/mhero).
  TempDir dir;
  NodePaths paths{dir / "central"};
  REQUIRE(Node::init(paths, Role::central, "", std::nullopt).ok());
  const uid_t nobody = 65534;
  REQUIRE(::chown(paths.dir.c_str(), nobody, nobody) == 0);
  ManualClock clock;
  auto opened = Node::open(paths, clock);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == StatusCode::failed_precondition);
  CHECK_THAT(opened.status().message(), Catch::Contains(paths.dir.string() + " belongs to nobody") &&
                                            Catch::Contains("sudo -u nobody mhero"));

  NodePaths other{dir / "district"};
  std::filesystem::create_directories(other.dir);
  REQUIRE(::chown(other.dir.c_str(), nobody, nobody) == 0);
  auto made = Node::init(other, Role::central, "", std::nullopt);
  CHECK(made.status().code() == StatusCode::failed_precondition);
  CHECK_FALSE(std::filesystem::exists(other.key()));  // Nothing written.
}
