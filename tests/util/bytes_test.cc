#include <catch2/catch.hpp>

#include "util/bytes.h"

using namespace mhero;

TEST_CASE("hex round-trips and rejects malformed text") {
  CHECK(to_hex(std::string("\x00\xff\x10", 3)) == "00ff10");
  CHECK(from_hex("00FF10").value() == std::string("\x00\xff\x10", 3));
  CHECK_FALSE(from_hex("abc").has_value());
  CHECK_FALSE(from_hex("zz").has_value());
}

TEST_CASE("big-endian u64 sorts numerically as bytes") {
  Bytes a, b;
  put_u64_be(a, 255);
  put_u64_be(b, 256);
  CHECK(a < b);
  CHECK(get_u64_be(b) == 256);
}
