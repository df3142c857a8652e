#include <catch2/catch.hpp>

#include "registry/phone.h"

using namespace mhero::registry;

TEST_CASE("Liberian numbers normalise to E.164 with validity and mobile type") {
  PhoneNormalizer lr("LR");
  CHECK(lr.region_supported());
  auto local = lr.normalize("0770123456");
  CHECK(local.e164 == "+231770123456");
  CHECK(local.valid);
  CHECK(local.mobile);
  CHECK(lr.normalize("+231 88 612 3456").e164 == "+231886123456");
  auto fixed = lr.normalize("021 234 567");
  CHECK(fixed.valid);
  CHECK_FALSE(fixed.mobile);
  auto junk = lr.normalize("44.44.44");
  CHECK_FALSE(junk.valid);
  CHECK_FALSE(junk.mobile);
  CHECK(lr.normalize("not a number").e164.empty());
  CHECK_FALSE(PhoneNormalizer("XX").region_supported());
}
