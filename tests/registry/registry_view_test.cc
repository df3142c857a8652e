#include <catch2/catch.hpp>

#include <capnp/message.h>

#include "fixture.h"
#include "registry/record_codec.h"
#include "registry/registry_query.h"

using namespace mhero;
using namespace mhero::registry;
using namespace mhero::testing;

namespace {

Entry chunk_entry(const NodeKey& key, const std::string& scope, uint64_t seq, const Hash256& prev,
                  uint64_t hlc, const ProviderRecord& p) {
  capnp::MallocMessageBuilder m;
  auto chunk = m.initRoot<schema::Payload>().initRegistryDelta();
  to_capnp(p, chunk.initProviders(1)[0]);
  return Entry::create(key, scope, seq, prev, hlc, m.getRoot<schema::Payload>().asReader());
}

ProviderRecord provider(const std::string& district, bool removed = false) {
  ProviderRecord p;
  p.entity_id = "p1";
  p.district = district;
  p.removed = removed;
  p.cadres.push_back({"NURSE", "", ""});
  return p;
}

}  // namespace

TEST_CASE("Registry view: a move between districts gives the same result in any arrival order") {
  NodeKey central = test_key(1);
  Entry add_a = chunk_entry(central, "district/A", 1, Hash256{}, 100, provider("A"));
  Entry remove_a = chunk_entry(central, "district/A", 2, add_a.id(), 300, provider("A", true));
  Entry add_b = chunk_entry(central, "district/B", 1, Hash256{}, 301, provider("B"));
  for (int order = 0; order < 2; ++order) {
    RegistryStore rs;
    std::vector<Entry> first = order == 0 ? std::vector<Entry>{add_a, remove_a} : std::vector<Entry>{add_b};
    std::vector<Entry> second = order == 0 ? std::vector<Entry>{add_b} : std::vector<Entry>{add_a, remove_a};
    REQUIRE(rs.store->ingest(first).ok());
    REQUIRE(rs.store->ingest(second).ok());
    auto p = find_provider(rs.store->views(), "p1");
    REQUIRE(p.ok());
    CHECK(p->district == "B");
    std::vector<std::string> in_a;
    REQUIRE(scan_index(rs.store->views(), "district", "A", [&](std::string_view id) { in_a.emplace_back(id); }).ok());
    CHECK(in_a.empty());
  }
}

TEST_CASE("Registry view: an older write never replaces a newer one") {
  NodeKey central = test_key(1);
  ProviderRecord newer = provider("A");
  newer.forename = "New";
  Entry old_entry = chunk_entry(central, "district/A", 1, Hash256{}, 100, provider("A"));
  Entry new_entry = chunk_entry(central, "national", 1, Hash256{}, 200, newer);
  RegistryStore rs;
  REQUIRE(rs.store->ingest(std::vector<Entry>{new_entry}).ok());
  REQUIRE(rs.store->ingest(std::vector<Entry>{old_entry}).ok());
  CHECK(find_provider(rs.store->views(), "p1")->forename == "New");
}

TEST_CASE("Registry view ignores other payload kinds") {
  RegistryStore rs;
  append_note(*rs.store, rs.key, "national", "hello");
  CHECK(registry_stats(rs.store->views())->providers == 0);
}
