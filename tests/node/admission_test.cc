#include <catch2/catch.hpp>

#include "node/admission.h"
#include "store/log_store.h"
#include "support/entries.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

TEST_CASE("only the pinned central key may write national") {
  TempDir dir;
  ManualClock clock;
  NodeKey central = test_key(1);
  NodeKey district = test_key(2);
  EnrolledAdmission admission(central.id(), std::nullopt, "");
  StoreOptions options;
  options.admission = &admission;
  auto store = LogStore::open(dir / "s", clock, options);
  REQUIRE(store.ok());
  Entry forged = make_note_entry(district, "national", 1, Hash256{}, "fake national alert");
  IngestResult r = (*store)->ingest(std::vector<Entry>{forged});
  CHECK(r.fault == IngestFault::not_allowed);
  CHECK(r.status.code() == StatusCode::permission_denied);
  CHECK_THAT(r.status.message(), Catch::Contains(district.id().hex()));
  CHECK((*store)->entry_count() == 0);
  CHECK((*store)->ingest(std::vector<Entry>{make_note_entry(central, "national", 1, Hash256{}, "ok")}).ok());
}
