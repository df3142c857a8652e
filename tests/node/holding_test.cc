#include <catch2/catch.hpp>

#include "node/holding.h"
#include "support/entries.h"

using namespace mhero;

TEST_CASE("a district holds national and its own district feeds only; central holds all") {
  NodeId a = testing::test_key(1).id();
  CHECK(may_hold(Role::district, "BONG", FeedId{a, "national"}));
  CHECK(may_hold(Role::district, "BONG", FeedId{a, "district/BONG"}));
  CHECK_FALSE(may_hold(Role::district, "BONG", FeedId{a, "district/LOFA"}));
  CHECK_FALSE(may_hold(Role::district, "BONG", FeedId{a, "district/BONG2"}));
  CHECK(may_hold(Role::central, "", FeedId{a, "district/LOFA"}));
}
