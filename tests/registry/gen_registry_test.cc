#include <catch2/catch.hpp>

#include <sstream>

#include "fixture.h"
#include "gen_registry.h"
#include "registry/registry_query.h"

using namespace mhero;
using namespace mhero::testing;

TEST_CASE("gen-registry is deterministic from its seed") {
  tools::GenRegistryOptions o;
  o.providers = 300;
  std::ostringstream a, b, c;
  tools::generate_registry(o, a);
  tools::generate_registry(o, b);
  o.seed = 2;
  tools::generate_registry(o, c);
  CHECK(a.str() == b.str());
  CHECK(a.str() != c.str());
}

TEST_CASE("A generated country imports with the generator's counts, prefixed or not") {
  for (bool prefixed : {false, true}) {
    tools::GenRegistryOptions o;
    o.providers = 3000;
    o.districts = 6;
    o.messy_fraction = 0.05;
    o.prefixed = prefixed;
    std::ostringstream xml;
    auto counts = tools::generate_registry(o, xml);
    RegistryStore rs;
    auto path = write_file(rs.dir, "country.xml", xml.str());
    auto r = registry::import_csd_files(*rs.store, rs.key, {path}, registry::PhoneNormalizer("LR"), {});
    REQUIRE(r.ok());
    CHECK(r->providers == 3000);
    CHECK(counts.messy > 100);
    CHECK(r->unassigned == counts.unassigned);
    CHECK(r->with_valid_mobile == 3000 - counts.without_mobile);
    CHECK(r->inactive == counts.inactive);
    CHECK(r->facilities == 6 * 8);
    CHECK(r->organizations == 1 + 2 * 6);
    CHECK(r->entries_by_scope.size() == 7);  // national + 6 districts.
    CHECK(r->warnings.size() >= counts.without_mobile + counts.unassigned);
    auto stats = registry::registry_stats(rs.store->views());
    REQUIRE(stats->by_district.size() == 6);
    CHECK(stats->by_district[0].first == "D01");
  }
}
