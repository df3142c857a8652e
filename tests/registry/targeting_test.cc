#include <catch2/catch.hpp>

#include "fixture.h"
#include "registry/targeting.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

std::vector<std::string> ids(const TargetResolution& r) {
  std::vector<std::string> out;
  for (const auto& x : r.recipients) out.push_back(x.entity_id);
  return out;
}

struct Imported : RegistryStore {
  Imported() {
    auto path = write_file(dir, "f.xml", kFixtureCsd);
    registry::ImportOptions o;
    auto r = registry::import_csd_files(*store, key, {path}, registry::PhoneNormalizer("LR"), o);
    if (!r.ok()) throw std::runtime_error(r.status().to_string());
  }
  TargetResolution resolve(TargetSpec spec) {
    auto r = resolve_target(store->views(), spec);
    if (!r.ok()) throw std::runtime_error(r.status().to_string());
    return std::move(r).value();
  }
};

}  // namespace

TEST_CASE("Targeting by cadre excludes inactive, unassigned and no-mobile providers") {
  Imported t;
  TargetResolution r = t.resolve(TargetSpec{{"NURSE"}, {}, {}, {}, {}});
  CHECK(ids(r) == std::vector<std::string>{"p1"});
  CHECK(r.excluded_inactive == 1);    // p3
  CHECK(r.excluded_unassigned == 1);  // p4
  CHECK(r.excluded_no_mobile == 1);   // p5
  CHECK(r.recipients[0].e164 == "+231770123456");
  CHECK(r.recipients[0].name == "Korto Flomo");
  CHECK(r.recipients[0].district == "BONG");
}

TEST_CASE("Targeting: values of one kind OR, kinds AND") {
  Imported t;
  CHECK(ids(t.resolve(TargetSpec{{"NURSE", "CHW"}, {}, {}, {}, {}})) ==
        std::vector<std::string>{"p1", "p2", "p7", "p8"});
  CHECK(ids(t.resolve(TargetSpec{{"NURSE", "CHW"}, {"BONG"}, {}, {}, {}})) ==
        std::vector<std::string>{"p1", "p7", "p8"});
  CHECK(ids(t.resolve(TargetSpec{{"CHW"}, {"BONG", "NIMBA"}, {"F1"}, {}, {}})) == std::vector<std::string>{"p7"});
  TargetResolution midwifery = t.resolve(TargetSpec{{}, {}, {}, {"MIDWIFERY"}, {}});
  CHECK(ids(midwifery) == std::vector<std::string>{"p1"});
  CHECK(midwifery.excluded_no_mobile == 1);  // p6, fixed line.
  CHECK(ids(t.resolve(TargetSpec{{}, {}, {}, {"IMCI"}, {}})) == std::vector<std::string>{"p2"});
  CHECK(ids(t.resolve(TargetSpec{{}, {}, {}, {}, {"p8", "p2", "unknown"}})) == std::vector<std::string>{"p2", "p8"});
  CHECK(ids(t.resolve(TargetSpec{{"NURSE"}, {}, {}, {}, {"p2"}})).empty());
  CHECK(t.resolve(TargetSpec{{"NOBODY"}, {}, {}, {}, {}}).recipients.empty());
}

TEST_CASE("An empty target is refused") {
  Imported t;
  auto r = resolve_target(t.store->views(), TargetSpec{});
  CHECK(r.status().code() == StatusCode::invalid_argument);
}
