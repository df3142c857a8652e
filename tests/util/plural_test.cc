#include <catch2/catch.hpp>

#include "util/plural.h"

using mhero::counted;

TEST_CASE("counted: the noun's form follows the count", "[plural]") {
  CHECK(counted(1, "correction") == "1 correction");
  CHECK(counted(0, "correction") == "0 corrections");
  CHECK(counted(2, "correction") == "2 corrections");
  CHECK(counted(1, "batch", "batches") == "1 batch");
  CHECK(counted(12, "batch", "batches") == "12 batches");
}
