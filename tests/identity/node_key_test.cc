#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <fstream>

#include "identity/crypto.h"
#include "identity/node_key.h"
#include "support/temp_dir.h"

using namespace mhero;

TEST_CASE("node key file is created with mode 0600 and loads back to the same id") {
  testing::TempDir dir;
  auto created = NodeKey::create_file(dir / "node.key");
  REQUIRE(created.ok());
  struct stat st;
  REQUIRE(::stat((dir / "node.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = NodeKey::load_file(dir / "node.key");
  REQUIRE(loaded.ok());
  CHECK(loaded->id() == created->id());
  auto sig = loaded->sign("hello");
  CHECK(verify_signature(created->id(), "hello", std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size())));
  CHECK_FALSE(verify_signature(created->id(), "hellO", std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size())));
}

TEST_CASE("an existing node key is never overwritten") {
  testing::TempDir dir;
  auto first = NodeKey::create_file(dir / "node.key");
  REQUIRE(first.ok());
  auto second = NodeKey::create_file(dir / "node.key");
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == StatusCode::already_exists);
  CHECK(NodeKey::load_file(dir / "node.key")->id() == first->id());
}

TEST_CASE("a node key readable by others is refused with the chmod to run") {
  testing::TempDir dir;
  REQUIRE(NodeKey::create_file(dir / "node.key").ok());
  ::chmod((dir / "node.key").c_str(), 0644);
  auto loaded = NodeKey::load_file(dir / "node.key");
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == StatusCode::permission_denied);
  CHECK_THAT(loaded.status().message(), Catch::Contains("chmod 600"));
}

TEST_CASE("a damaged or missing key file is a clear error") {
  testing::TempDir dir;
  CHECK(NodeKey::load_file(dir / "absent.key").status().code() == StatusCode::not_found);
  {
    std::ofstream out(dir / "bad.key");
    out << "mhero-node-key v1 ed25519\nnot-hex\n";
  }
  ::chmod((dir / "bad.key").c_str(), 0600);
  CHECK(NodeKey::load_file(dir / "bad.key").status().code() == StatusCode::corruption);
}

TEST_CASE("the X25519 keys derived from an identity agree") {
  NodeKey key = NodeKey::generate();
  auto pub = x25519_public(key.id());
  REQUIRE(pub.has_value());
  CHECK(pub->size() == 32);
  CHECK(NodeId::from_hex(key.id().hex()) == key.id());
  CHECK_FALSE(NodeId::from_hex("abcd").has_value());
}
