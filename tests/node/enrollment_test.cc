// Enrollment view and admission (DESIGN.md "Who holds what").
#include <catch2/catch.hpp>

#include "node/admission.h"
#include "node/enrollment.h"
#include "store/scope.h"
#include "support/entries.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

struct Store {
  TempDir dir;
  ManualClock clock{std::chrono::milliseconds(1'700'000'000'000)};
  EnrollmentView view;
  EnrolledAdmission admission;
  std::unique_ptr<LogStore> store;

  Store(const NodeId& central, const NodeId& own, const std::string& own_scope)
      : admission(central, own, own_scope) {
    StoreOptions options;
    options.views = {&view};
    options.admission = &admission;
    options.sync = false;
    store = std::move(LogStore::open(dir / "db", clock, options)).value();
  }
};

NodeConfig central_config(const NodeKey& central) {
  NodeConfig config;
  config.role = Role::central;
  config.central_key = central.id();
  return config;
}

std::vector<Entry> chain(const NodeKey& key, const std::string& scope, int n) {
  std::vector<Entry> out;
  Hash256 prev{};
  for (int i = 1; i <= n; ++i) {
    out.push_back(make_note_entry(key, scope, static_cast<uint64_t>(i), prev, "n" + std::to_string(i)));
    prev = out.back().id();
  }
  return out;
}

}  // namespace

TEST_CASE("an unknown key is refused in a district scope and in national") {
  NodeKey central = test_key(1), stranger = test_key(2);
  Store c(central.id(), central.id(), "national");
  IngestResult r = c.store->ingest(chain(stranger, "district/bong", 2));
  CHECK(r.fault == IngestFault::not_allowed);
  CHECK(r.status.code() == StatusCode::permission_denied);
  CHECK(r.status.message().find("not enrolled") != std::string::npos);
  CHECK(c.store->ingest(chain(stranger, "national", 1)).fault == IngestFault::not_allowed);
  CHECK(c.store->entry_count() == 0);
}

TEST_CASE("an enrolled key is accepted only in its own district scope") {
  NodeKey central = test_key(1), bong = test_key(3);
  Store c(central.id(), central.id(), "national");
  auto enrolled = enroll_key(*c.store, central, central_config(central), bong.id(), "bong", "Bong office");
  REQUIRE(enrolled.ok());
  auto found = find_enrolled(c.store->views(), bong.id());
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->district == "bong");
  CHECK((*found)->label == "Bong office");
  CHECK_FALSE((*found)->revoked);

  CHECK(c.store->ingest(chain(bong, "district/bong", 3)).added == 3);
  IngestResult other = c.store->ingest(chain(bong, "district/lofa", 1));
  CHECK(other.fault == IngestFault::not_allowed);
  CHECK(other.status.message().find("enrolled for district bong") != std::string::npos);
  CHECK(c.store->ingest(chain(bong, "national", 1)).fault == IngestFault::not_allowed);
}

TEST_CASE("a revoked key's entries are kept through validThrough and refused after") {
  NodeKey central = test_key(1), bong = test_key(3);
  Store c(central.id(), central.id(), "national");
  REQUIRE(enroll_key(*c.store, central, central_config(central), bong.id(), "bong", "").ok());
  auto entries = chain(bong, "district/bong", 5);
  REQUIRE(c.store->ingest(std::span(entries).first(3)).added == 3);

  auto revoked = revoke_key(*c.store, central, central_config(central), bong.id(), "laptop stolen");
  REQUIRE(revoked.ok());
  CHECK(revoked->valid_through.at("district/bong") == 3);

  // Before: still held, and re-sending them is a harmless duplicate.
  CHECK(c.store->ingest(std::span(entries).first(3)).duplicates == 3);
  CHECK(c.store->verify_all().empty());
  // After: refused.
  IngestResult after = c.store->ingest(std::span(entries).subspan(3));
  CHECK(after.fault == IngestFault::not_allowed);
  CHECK(after.status.message().find("valid only through seq 3") != std::string::npos);
  CHECK(c.store->head_seq(FeedId{bong.id(), "district/bong"}) == 3);

  // A revoked key cannot be enrolled again, nor revoked twice.
  CHECK(enroll_key(*c.store, central, central_config(central), bong.id(), "bong", "").status().code() ==
        StatusCode::already_exists);
  CHECK(revoke_key(*c.store, central, central_config(central), bong.id(), "").status().code() ==
        StatusCode::already_exists);
}

TEST_CASE("may_sync: pinned central and enrolled keys yes; unknown and revoked no") {
  NodeKey central = test_key(1), bong = test_key(3), lofa = test_key(4), stranger = test_key(5);
  Store c(central.id(), central.id(), "national");
  NodeConfig config = central_config(central);
  REQUIRE(enroll_key(*c.store, central, config, bong.id(), "bong", "").ok());
  REQUIRE(enroll_key(*c.store, central, config, lofa.id(), "lofa", "").ok());
  REQUIRE(revoke_key(*c.store, central, config, lofa.id(), "").ok());
  CHECK(*may_sync(c.store->views(), config, central.id()));
  CHECK(*may_sync(c.store->views(), config, bong.id()));
  CHECK_FALSE(*may_sync(c.store->views(), config, lofa.id()));
  CHECK_FALSE(*may_sync(c.store->views(), config, stranger.id()));
  int count = 0;
  REQUIRE(for_each_enrolled(c.store->views(), [&](const EnrolledKey&) { return ++count, true; }).ok());
  CHECK(count == 2);
}

TEST_CASE("enroll and revoke are refused on a district node and for bad input") {
  NodeKey central = test_key(1), bong = test_key(3);
  Store d(central.id(), bong.id(), "district/bong");
  NodeConfig config;
  config.role = Role::district;
  config.district = "bong";
  config.central_key = central.id();
  auto r = enroll_key(*d.store, bong, config, test_key(6).id(), "bong", "");
  CHECK(r.status().code() == StatusCode::failed_precondition);
  CHECK(r.status().message().find("district node") != std::string::npos);
  CHECK(revoke_key(*d.store, bong, config, test_key(6).id(), "").status().code() ==
        StatusCode::failed_precondition);

  Store c(central.id(), central.id(), "national");
  CHECK(enroll_key(*c.store, central, central_config(central), bong.id(), "bad code!", "").status().code() ==
        StatusCode::invalid_argument);
  CHECK(revoke_key(*c.store, central, central_config(central), bong.id(), "").status().code() ==
        StatusCode::not_found);
  CHECK(c.store->entry_count() == 0);
}

TEST_CASE("a district admits an enrolled key when the enrollment arrives in the same batch") {
  NodeKey central = test_key(9), bong = test_key(3), bong2 = test_key(2);
  Store c(central.id(), central.id(), "national");
  REQUIRE(enroll_key(*c.store, central, central_config(central), bong2.id(), "bong", "").ok());
  auto enrollment = c.store->get(FeedId{central.id(), "national"}, 1);
  REQUIRE(enrollment.ok());

  Store d(central.id(), bong.id(), "district/bong");
  // Its own writes are admitted before any enrollment has arrived (offline first).
  append_note(*d.store, bong, "district/bong", "offline work");
  std::vector<Entry> batch = chain(bong2, "district/bong", 2);
  batch.push_back(*enrollment);  // Sorted after bong2's feed by author, yet applied first.
  IngestResult r = d.store->ingest(batch);
  INFO(r.status.to_string());
  CHECK(r.added == 3);
}

TEST_CASE("enrolling a key again for the same district writes nothing and keeps the first time") {
  NodeKey central = test_key(1), bong = test_key(3);
  Store c(central.id(), central.id(), "national");
  auto first = enroll_key(*c.store, central, central_config(central), bong.id(), "bong", "Bong office");
  REQUIRE(first.ok());
  CHECK(first->written);
  CHECK(first->record.district == "bong");
  CHECK(first->record.since_ms == 1'700'000'000'000);
  c.clock.advance(std::chrono::hours(1));
  auto again = enroll_key(*c.store, central, central_config(central), bong.id(), "bong", "other label");
  REQUIRE(again.ok());
  CHECK_FALSE(again->written);
  CHECK(again->record.district == "bong");
  CHECK(again->record.label == "Bong office");
  CHECK(again->record.since_ms == 1'700'000'000'000);
  CHECK(c.store->entry_count() == 1);
}

TEST_CASE("enrolling a key for another district is refused and says to revoke it first") {
  NodeKey central = test_key(1), bong = test_key(3);
  Store c(central.id(), central.id(), "national");
  REQUIRE(enroll_key(*c.store, central, central_config(central), bong.id(), "bong", "").ok());
  auto other = enroll_key(*c.store, central, central_config(central), bong.id(), "lofa", "");
  CHECK(other.status().code() == StatusCode::already_exists);
  CHECK(other.status().message() ==
        "key " + bong.id().hex() + " is already enrolled for district bong; to give it another district, revoke it "
        "first (`mhero revoke --key " + bong.id().hex() + "`): revocation is final, so that node then makes a new "
        "key (`mhero init` in a new directory) to be enrolled for lofa");
  CHECK(c.store->entry_count() == 1);
}

TEST_CASE("own_enrollment_warning: a district learns of its enrollment from central; until then it is warned") {
  NodeKey central = test_key(1), bong = test_key(3);
  NodeConfig config;
  config.role = Role::district;
  config.district = "bong";
  config.central_key = central.id();
  Store d(central.id(), bong.id(), "district/bong");
  auto before = own_enrollment_warning(d.store->views(), config, bong.id());
  REQUIRE(before.ok());
  CHECK(*before ==
        "this district node (" + bong.id().hex() + ") has no enrollment of its key in its store: the central node "
        "will refuse its entries until central runs `mhero enroll --key " + bong.id().hex() + " --district bong`; "
        "then sync with central (`mhero run`, `mhero sync --peer HOST:PORT`) or import a bundle from central "
        "(`mhero bundle import`) so this node learns it.");

  // Central enrolls it; the district ingests the enrollment entry (as a sync or bundle would).
  Store c(central.id(), central.id(), "national");
  REQUIRE(enroll_key(*c.store, central, central_config(central), bong.id(), "bong", "").ok());
  auto enrollment = c.store->get(FeedId{central.id(), "national"}, 1);
  REQUIRE(enrollment.ok());
  std::vector<Entry> batch = {*enrollment};
  REQUIRE(d.store->ingest(batch).added == 1);
  CHECK(*own_enrollment_warning(d.store->views(), config, bong.id()) == "");

  NodeConfig moved = config;
  moved.district = "lofa";
  CHECK(own_enrollment_warning(d.store->views(), moved, bong.id())->find("is enrolled for district bong, but its "
                                                                         "config.toml says lofa") != std::string::npos);
  // The central node is never warned.
  CHECK(*own_enrollment_warning(c.store->views(), central_config(central), central.id()) == "");
}
