#include <catch2/catch.hpp>

#include "util/status.h"

using namespace mhero;

namespace {
Result<int> half(int v) {
  if (v % 2) return invalid_argument(std::to_string(v) + " is odd");
  return v / 2;
}
Result<int> quarter(int v) {
  MHERO_ASSIGN_OR_RETURN(int h, half(v));
  return half(h);
}
}  // namespace

TEST_CASE("Result carries a value or a status with code and message") {
  REQUIRE(quarter(8).value() == 2);
  auto r = quarter(6);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::invalid_argument);
  CHECK(r.status().to_string() == "invalid argument: 3 is odd");
  CHECK(r.status().with_context("dividing").message() == "dividing: 3 is odd");
}
