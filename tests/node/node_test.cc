#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <fstream>

#include "node/node.h"
#include "support/temp_dir.h"

using namespace mhero;
using mhero::testing::TempDir;

TEST_CASE("init creates node.key (0600), config.toml and db/, and open reads them back") {
  TempDir dir;
  NodePaths central{dir / "central"};
  auto id = Node::init(central, Role::central, "", std::nullopt);
  REQUIRE(id.ok());
  struct stat st;
  REQUIRE(::stat(central.key().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(std::filesystem::is_directory(central.db()));

  ManualClock clock;
  auto node = Node::open(central, clock);
  REQUIRE(node.ok());
  CHECK((*node)->id() == *id);
  CHECK((*node)->config().role == Role::central);
  CHECK((*node)->config().central_key == *id);
  CHECK((*node)->own_scope() == "national");

  NodePaths district{dir / "bong"};
  REQUIRE(Node::init(district, Role::district, "BONG", *id).ok());
  auto d = Node::open(district, clock);
  REQUIRE(d.ok());
  CHECK((*d)->own_scope() == "district/BONG");
  CHECK((*d)->config().central_key == *id);
}

TEST_CASE("a node whose store was lost is refused before it could sign its feed from seq 1 again") {
  TempDir dir;
  NodePaths paths{dir / "bong"};
  REQUIRE(Node::init(paths, Role::district, "BONG", NodeKey::generate().id()).ok());
  ManualClock clock;
  REQUIRE(Node::open(paths, clock).ok());
  std::filesystem::remove_all(paths.db());
  auto lost = Node::open(paths, clock);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.status().code() == StatusCode::failed_precondition);
  CHECK_THAT(lost.status().message(), Catch::Contains("holds no store") && Catch::Contains("Recovering from a fork"));
  CHECK_FALSE(std::filesystem::exists(paths.db()));  // Nothing was made.
  std::filesystem::create_directories(paths.db());  // An emptied db/ is refused the same way.
  CHECK(Node::open(paths, clock).status().code() == StatusCode::failed_precondition);
}

TEST_CASE("a district without --district or --central-key is refused, saying what to pass") {
  TempDir dir;
  auto no_code = Node::init(NodePaths{dir / "d"}, Role::district, "", NodeKey::generate().id());
  CHECK(no_code.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(no_code.status().message(), Catch::Contains("--district"));
  auto no_key = Node::init(NodePaths{dir / "d"}, Role::district, "BONG", std::nullopt);
  CHECK_THAT(no_key.status().message(), Catch::Contains("--central-key"));
  CHECK_FALSE(std::filesystem::exists(dir / "d" / "node.key"));
}

TEST_CASE("init refuses a directory that already holds a node") {
  TempDir dir;
  NodePaths paths{dir / "c"};
  auto first = Node::init(paths, Role::central, "", std::nullopt);
  REQUIRE(first.ok());
  auto again = Node::init(paths, Role::central, "", std::nullopt);
  CHECK(again.status().code() == StatusCode::already_exists);
  ManualClock clock;
  CHECK((*Node::open(paths, clock))->id() == *first);
}

TEST_CASE("a node whose key is missing is not made anew by init, and open says to restore the key") {
  TempDir dir;
  NodePaths paths{dir / "d"};
  NodeId central = NodeKey::generate().id();
  REQUIRE(Node::init(paths, Role::district, "D09", central).ok());
  std::string config_before;
  {
    std::ifstream in(paths.config());
    config_before.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::filesystem::remove(paths.key());

  ManualClock clock;
  auto opened = Node::open(paths, clock);
  CHECK(opened.status().code() == StatusCode::not_found);
  CHECK_THAT(opened.status().message(), Catch::Contains("Restore node.key from a backup") &&
                                            !Catch::Contains("run `mhero init`"));
  auto init = Node::init(paths, Role::central, "", std::nullopt);  // What that old advice led to.
  CHECK(init.status().code() == StatusCode::already_exists);
  CHECK_THAT(init.status().message(), Catch::Contains("its key") && Catch::Contains("is missing"));
  CHECK_FALSE(std::filesystem::exists(paths.key()));  // No new identity made.
  std::ifstream in(paths.config());
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == config_before);  // Config untouched.
}

TEST_CASE("a malformed config.toml names the file, line and column") {
  TempDir dir;
  NodePaths paths{dir / "c"};
  REQUIRE(Node::init(paths, Role::central, "", std::nullopt).ok());
  {
    std::ofstream out(paths.config(), std::ios::app);
    out << "\n[sync\nlisten = 1\n";
  }
  ManualClock clock;
  auto node = Node::open(paths, clock);
  REQUIRE_FALSE(node.ok());
  CHECK(node.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(node.status().message(), Catch::Contains("config.toml:"));
}
