#include <catch2/catch.hpp>

#include "registry/datetime.h"

using namespace mhero::registry;

TEST_CASE("xsd:dateTime parses zones and refuses impossible dates") {
  auto t = parse_xsd_datetime("2014-12-01T14:00:00+00:00");
  REQUIRE(t);
  CHECK(t->time_since_epoch().count() == 1417442400);
  CHECK(parse_xsd_datetime("2014-12-01T15:00:00+01:00") == t);
  CHECK(parse_xsd_datetime("2014-12-01T14:00:00Z") == t);
  CHECK(parse_xsd_datetime("2014-12-01T14:00:00") == t);
  CHECK(parse_xsd_datetime("2014-12-01T14:00:00.123Z") == t);
  CHECK_FALSE(parse_xsd_datetime("0000-00-00T00:00:00"));
  CHECK_FALSE(parse_xsd_datetime("2014-02-30T00:00:00"));
  CHECK_FALSE(parse_xsd_datetime("yesterday"));
  CHECK_FALSE(parse_xsd_datetime("2014-12-01T14:00:00+0100"));
  CHECK(format_xsd_datetime(*t) == "2014-12-01T14:00:00+00:00");
}
