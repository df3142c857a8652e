#include <catch2/catch.hpp>

#include "fixture.h"
#include "registry/registry_query.h"
#include "store/scope.h"

using namespace mhero;
using namespace mhero::registry;
using namespace mhero::testing;

namespace {

ImportOptions options(bool full = false) {
  ImportOptions o;
  o.full = full;
  o.import_id = "test";
  return o;
}

ImportReport import_text(RegistryStore& rs, const std::string& text, ImportOptions o = options()) {
  auto path = write_file(rs.dir, "import.xml", text);
  auto r = import_csd_files(*rs.store, rs.key, {path}, kLiberia, o);
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  return std::move(r).value();
}

/// `csd` without the <provider> elements of entityIDs `ids`; the test fails when one is absent.
std::string without_providers(std::string csd, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    auto start = csd.find("<provider entityID=\"" + id + "\">");
    REQUIRE(start != std::string::npos);
    auto end = csd.find("</provider>", start) + std::string("</provider>").size();
    csd.erase(start, end - start);
  }
  return csd;
}

}  // namespace

TEST_CASE("Import scopes providers into district feeds, unassigned and facilities into national") {
  RegistryStore rs;
  ImportReport r = import_text(rs, kFixtureCsd);
  CHECK(r.providers == 8);
  CHECK(r.with_valid_mobile == 6);
  CHECK(r.unassigned == 1);
  CHECK(r.unassigned_ids == std::vector<std::string>{"p4"});
  CHECK(r.warnings.size() == 6);
  CHECK(r.added == 8 + 3 + 4);
  CHECK(r.entries_by_scope == std::map<std::string, size_t>{
                                  {"national", 1}, {"district/BONG", 1}, {"district/NIMBA", 1}, {"district/MARGIBI", 1}});
  auto first = rs.store->get(FeedId{rs.key.id(), "district/BONG"}, 1);
  REQUIRE(first.ok());
  CHECK(first->kind() == schema::Payload::REGISTRY_SNAPSHOT);
  CHECK(first->payload().getRegistrySnapshot().getProviders().size() == 4);

  const ViewReader& v = rs.store->views();
  CHECK(find_provider(v, "p1")->district == "BONG");   // facility -> org -> parent org otherID.
  CHECK(find_provider(v, "p2")->district == "NIMBA");  // facility -> org otherID.
  CHECK(find_provider(v, "p6")->district == "MARGIBI");// facility otherID.
  CHECK(find_provider(v, "p8")->district == "BONG");   // provider organization.
  CHECK(find_provider(v, "p4")->district.empty());
  CHECK(find_provider(v, "nope").status().code() == StatusCode::not_found);
  auto by_phone = find_by_phone(v, "+231770123456");
  REQUIRE(by_phone.ok());
  REQUIRE(by_phone->size() == 1);
  CHECK((*by_phone)[0].entity_id == "p1");

  auto stats = registry_stats(v);
  REQUIRE(stats.ok());
  CHECK(stats->providers == 8);
  CHECK(stats->unassigned == 1);
  CHECK(stats->with_valid_mobile == 6);
  CHECK(stats->facilities == 3);
  CHECK(stats->organizations == 4);
  CHECK(stats->by_district == std::vector<std::pair<std::string, size_t>>{{"BONG", 4}, {"MARGIBI", 1}, {"NIMBA", 2}});
}

TEST_CASE("Re-importing an unchanged file writes nothing") {
  RegistryStore rs;
  import_text(rs, kFixtureCsd);
  uint64_t before = rs.store->entry_count();
  ImportReport again = import_text(rs, kFixtureCsd);
  CHECK(again.entries_written() == 0);
  CHECK(again.unchanged == 15);
  CHECK(rs.store->entry_count() == before);
  // The prefixed form of the same document is the same registry.
  CHECK(import_text(rs, prefixed(kFixtureCsd)).entries_written() == 0);
}

TEST_CASE("The same registry exported again under another file name writes nothing; a change takes the new name") {
  RegistryStore rs;
  auto first = write_file(rs.dir, "providers-2027-01-08.xml", kFixtureCsd);
  REQUIRE(import_csd_files(*rs.store, rs.key, {first}, kLiberia, options()).ok());
  uint64_t before = rs.store->entry_count();
  auto dated = write_file(rs.dir, "providers-2027-01-15.xml", kFixtureCsd);
  auto again = import_csd_files(*rs.store, rs.key, {dated}, kLiberia, options());
  REQUIRE(again.ok());
  CHECK(again->entries_written() == 0);
  CHECK(again->unchanged == 15);
  CHECK(again->changed == 0);
  CHECK(rs.store->entry_count() == before);
  CHECK(find_provider(rs.store->views(), "p1")->source == "csd:providers-2027-01-08.xml");

  auto edited = write_file(rs.dir, "providers-2027-01-22.xml", replace_once(kFixtureCsd, "0770123456", "0770999999"));
  auto changed = import_csd_files(*rs.store, rs.key, {edited}, kLiberia, options());
  REQUIRE(changed.ok());
  CHECK(changed->changed == 1);
  CHECK(changed->entries_by_scope == std::map<std::string, size_t>{{"district/BONG", 1}});
  CHECK(find_provider(rs.store->views(), "p1")->source == "csd:providers-2027-01-22.xml");
  CHECK(find_provider(rs.store->views(), "p2")->source == "csd:providers-2027-01-08.xml");
}

TEST_CASE("A changed record writes one delta into its district feed") {
  RegistryStore rs;
  import_text(rs, kFixtureCsd);
  ImportReport r = import_text(rs, replace_once(kFixtureCsd, "0770123456", "0770999999"));
  CHECK(r.changed == 1);
  CHECK(r.entries_by_scope == std::map<std::string, size_t>{{"district/BONG", 1}});
  auto delta = rs.store->get(FeedId{rs.key.id(), "district/BONG"}, 2);
  REQUIRE(delta.ok());
  CHECK(delta->kind() == schema::Payload::REGISTRY_DELTA);
  CHECK(find_provider(rs.store->views(), "p1")->mobile_e164() == "+231770999999");
  CHECK(find_by_phone(rs.store->views(), "+231770123456")->empty());
}

TEST_CASE("A provider moving district is removed from the old feed and added to the new") {
  RegistryStore rs;
  import_text(rs, kFixtureCsd);
  std::string moved = replace_once(kFixtureCsd, "<facilities><facility entityID=\"F1\"/></facilities>\n      <specialty",
                              "<facilities><facility entityID=\"F2\"/></facilities>\n      <specialty");
  ImportReport r = import_text(rs, moved);
  CHECK(r.moved == 1);
  CHECK(r.entries_by_scope == std::map<std::string, size_t>{{"district/BONG", 1}, {"district/NIMBA", 1}});
  auto p1 = find_provider(rs.store->views(), "p1");
  REQUIRE(p1.ok());
  CHECK(p1->district == "NIMBA");
  auto bong = list_providers(rs.store->views(), ProviderFilter{{}, {"BONG"}, {}, {}});
  CHECK(bong->size() == 3);
}

TEST_CASE("An unassigned provider given a district is not counted removed; a node without that district counts it apart") {
  RegistryStore rs;
  import_text(rs, kFixtureCsd);
  std::string placed = kFixtureCsd;
  const std::string p4_phone = "<contactPoint><codedType code=\"BP\">0770000004</codedType></contactPoint></demographic>";
  REQUIRE(placed.find(p4_phone) != std::string::npos);
  placed.replace(placed.find(p4_phone), p4_phone.size(), p4_phone + "<facilities><facility entityID=\"F1\"/></facilities>");
  ImportReport r = import_text(rs, placed);
  CHECK(r.moved == 1);  // A tombstone in national, the record in district/BONG.
  auto central = registry_stats(rs.store->views());
  REQUIRE(central.ok());
  CHECK(central->unassigned == 0);
  CHECK(central->removed == 0);
  CHECK(central->removed_unassigned == 0);
  // A NIMBA district node holds national and its own feed: it sees p4's tombstone, not p4 in
  // BONG, and cannot tell a move from a removal. It counts it apart from its district's removals.
  RegistryStore nimba;
  for (const std::string scope : {"national", "district/NIMBA"}) {
    FeedId feed{rs.key.id(), scope};
    std::vector<Entry> entries;
    for (uint64_t seq = 1; seq <= rs.store->head_seq(feed); ++seq) entries.push_back(rs.store->get(feed, seq).value());
    REQUIRE(nimba.store->ingest(entries).ok());
  }
  auto district = registry_stats(nimba.store->views());
  REQUIRE(district.ok());
  CHECK(district->removed == 0);
  CHECK(district->removed_unassigned == 1);
  CHECK(district->by_district == std::vector<std::pair<std::string, size_t>>{{"NIMBA", 2}});
}

TEST_CASE("--full marks providers absent from the file removed") {
  RegistryStore rs;
  import_text(rs, kFixtureCsd);
  std::string without_p2 = without_providers(kFixtureCsd, {"p2"});
  CHECK(import_text(rs, without_p2).removed == 0);  // Without --full nothing is removed.
  ImportReport r = import_text(rs, without_p2, options(true));
  CHECK(r.removed == 1);
  CHECK(r.entries_by_scope == std::map<std::string, size_t>{{"district/NIMBA", 1}});
  CHECK(find_provider(rs.store->views(), "p2").status().code() == StatusCode::not_found);
  CHECK(registry_stats(rs.store->views())->removed == 1);
  // Providers-only --full import never removes facilities.
  CHECK(registry_stats(rs.store->views())->facilities == 3);
}

TEST_CASE("The removed-share guard stops a --full import of a partial file, before writing") {
  RegistryStore rs;
  import_text(rs, kFixtureCsd);  // 8 providers with an entityID (p1..p8).
  uint64_t before = rs.store->entry_count();
  std::string partial = without_providers(kFixtureCsd, {"p2", "p3"});
  ImportOptions guarded = options(true);
  guarded.max_removed_percent = 20;  // 2 of 8 would go (25 %).
  auto path = write_file(rs.dir, "partial.xml", partial);
  auto stopped = import_csd_files(*rs.store, rs.key, {path}, kLiberia, guarded);
  REQUIRE_FALSE(stopped.ok());
  CHECK(stopped.status().code() == StatusCode::failed_precondition);
  CHECK_THAT(stopped.status().message(),
             Catch::Contains("this --full import would mark 2 of the 8 health workers held removed (25 %"));
  CHECK_THAT(stopped.status().message(), Catch::Contains("max_removed_percent = 20 %; nothing was written"));
  CHECK_THAT(stopped.status().message(), Catch::Contains("Absent from the file, for example: p2, p3."));
  CHECK_THAT(stopped.status().message(), Catch::Contains("run again with --force"));
  CHECK(rs.store->entry_count() == before);
  CHECK(find_provider(rs.store->views(), "p2").ok());
  // A share just over the limit is not rounded down to it: 3 of 8 is 37.5 %, over 37.
  ImportOptions near = guarded;
  near.max_removed_percent = 37;
  auto over = import_csd_files(*rs.store, rs.key, {write_file(rs.dir, "p2-p4.xml", without_providers(kFixtureCsd, {"p2", "p3", "p4"}))},
                               kLiberia, near);
  REQUIRE_FALSE(over.ok());
  CHECK_THAT(over.status().message(), Catch::Contains("3 of the 8 health workers held removed (37.5 %"));
  CHECK(rs.store->entry_count() == before);

  ImportOptions without_full = guarded;  // Not --full: nothing is removed, nothing to guard.
  without_full.full = false;
  REQUIRE(import_csd_files(*rs.store, rs.key, {path}, kLiberia, without_full).ok());
  CHECK(rs.store->entry_count() == before);

  guarded.force = true;
  auto forced = import_csd_files(*rs.store, rs.key, {path}, kLiberia, guarded);
  REQUIRE(forced.ok());
  CHECK(forced->removed == 2);
  CHECK(find_provider(rs.store->views(), "p2").status().code() == StatusCode::not_found);
}

TEST_CASE("Malformed XML in any file writes nothing") {
  RegistryStore rs;
  auto good = write_file(rs.dir, "good.xml", kFixtureCsd);
  auto bad = write_file(rs.dir, "bad.xml", "<CSD>\n<providerDirectory>\n<provider entityID='x'>\n</CSD>\n");
  auto r = import_csd_files(*rs.store, rs.key, {good, bad}, kLiberia, options());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("bad.xml:4:") != std::string::npos);
  CHECK(rs.store->entry_count() == 0);
}

TEST_CASE("Chunks hold at most chunk_records records") {
  RegistryStore rs;
  ImportOptions o = options();
  o.chunk_records = 2;
  ImportReport r = import_text(rs, kFixtureCsd, o);
  CHECK(r.entries_by_scope["national"] == 4);  // 4 orgs + 3 facilities + p4 = 8 records.
  CHECK(r.entries_by_scope["district/BONG"] == 2);
  auto e = rs.store->get(FeedId{rs.key.id(), "national"}, 4);
  REQUIRE(e.ok());
  CHECK(e->payload().getRegistrySnapshot().getChunkIndex() == 3);
  CHECK(e->payload().getRegistrySnapshot().getChunkCount() == 4);
}

TEST_CASE("Importing all reference CSD files and value sets") {
  RegistryStore rs;
  std::string d = csd_data_dir();
  std::vector<std::filesystem::path> files = {
      d + "/CSD-Providers-Connectathon-20150120.xml", d + "/CSD-Facilities-Connectathon-20150120.xml",
      d + "/CSD-Organizations-Connectathon-20150120.xml", d + "/CSD-Services-Connectathon-20150120.xml",
      d + "/providers.xml"};
  for (const auto& e : std::filesystem::directory_iterator(d + "/value-sets")) files.push_back(e.path());
  auto r = import_csd_files(*rs.store, rs.key, files, kLiberia, options());
  REQUIRE(r.ok());
  CHECK(r->providers == 1023);
  CHECK(r->with_valid_mobile == 0);
  CHECK(r->unassigned == 1023);
  CHECK(r->warnings.size() == 9);
  CHECK(r->code_lists == 4);
  CHECK(r->facilities == 3);  // The providers file's embedded facility id is not a facility record.
  CHECK(r->organizations == 5);
  auto again = import_csd_files(*rs.store, rs.key, files, kLiberia, options());
  REQUIRE(again.ok());
  CHECK(again->entries_written() == 0);
}

TEST_CASE("A district mapping CSV assigns facilities and organizations") {
  RegistryStore rs;
  auto map_path = write_file(rs.dir, "map.csv", "entityID,district\n# comment\nF3,RIVERCESS\nO-ROOT,MONTSERRADO\n");
  auto map = load_district_map(map_path);
  REQUIRE(map.ok());
  ImportOptions o = options();
  o.rules.map = *map;
  import_text(rs, kFixtureCsd, o);
  CHECK(find_provider(rs.store->views(), "p6")->district == "RIVERCESS");
  CHECK(find_provider(rs.store->views(), "p1")->district == "BONG");  // Nearer otherID first.
  auto bad = write_file(rs.dir, "bad.csv", "F1,not a code!\n");
  auto r = load_district_map(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("bad.csv:1:") != std::string::npos);
}

TEST_CASE("Address component rule assigns a district when the chain gives none") {
  RegistryStore rs;
  std::string with_address = replace_once(kFixtureCsd, "<commonName>Nowhere Nurse</commonName></name>",
                                     "<commonName>Nowhere Nurse</commonName></name><address><addressLine "
                                     "component=\"district\">Grand Bassa</addressLine></address>");
  ImportOptions o = options();
  o.rules.address_component = "District";
  import_text(rs, with_address, o);
  CHECK(find_provider(rs.store->views(), "p4")->district == "Grand-Bassa");
}

TEST_CASE("The moved-share guard stops an import that moves too many providers, before writing") {
  RegistryStore rs;
  auto map = load_district_map(write_file(rs.dir, "map.csv", "F3,RIVERCESS\nO-NIMBA,BONG\n"));
  REQUIRE(map.ok());
  ImportOptions with_map = options();
  with_map.rules.map = *map;
  import_text(rs, kFixtureCsd, with_map);  // BONG p1 p2 p3 p5 p7 p8, RIVERCESS p6.
  CHECK(find_provider(rs.store->views(), "p2")->district == "BONG");
  uint64_t before = rs.store->entry_count();

  ImportOptions guarded = options();
  guarded.max_moved_percent = 30;  // 3 of 7 would move (42 %).
  auto path = write_file(rs.dir, "import.xml", kFixtureCsd);
  auto stopped = import_csd_files(*rs.store, rs.key, {path}, kLiberia, guarded);
  REQUIRE_FALSE(stopped.ok());
  CHECK(stopped.status().code() == StatusCode::failed_precondition);
  CHECK_THAT(stopped.status().message(),
             Catch::Contains("would move 3 of the 7 providers held in a district (42 %; 0 to unassigned"));
  CHECK_THAT(stopped.status().message(),
             Catch::Contains("For example: p2 BONG -> NIMBA, p3 BONG -> NIMBA, p6 RIVERCESS -> MARGIBI."));
  CHECK(rs.store->entry_count() == before);
  CHECK(find_provider(rs.store->views(), "p6")->district == "RIVERCESS");

  // Unassigned counts as a move; a first import (nothing held) and a share at the limit pass.
  guarded.max_moved_percent = 50;
  auto passed = import_csd_files(*rs.store, rs.key, {path}, kLiberia, guarded);
  REQUIRE(passed.ok());
  CHECK(passed->district_moves.size() == 3);
  CHECK(passed->moved == 3);
  CHECK(find_provider(rs.store->views(), "p6")->district == "MARGIBI");

  RegistryStore fresh;
  ImportOptions strict = options();
  strict.max_moved_percent = 0;
  auto first = import_csd_files(*fresh.store, fresh.key, {write_file(fresh.dir, "i.xml", kFixtureCsd)}, kLiberia, strict);
  REQUIRE(first.ok());
  std::string lost = replace_once(kFixtureCsd, "<facilities><facility entityID=\"F1\"/></facilities>", "");
  auto unassigned = import_csd_files(*fresh.store, fresh.key, {write_file(fresh.dir, "i.xml", lost)}, kLiberia, strict);
  REQUIRE_FALSE(unassigned.ok());
  CHECK_THAT(unassigned.status().message(), Catch::Contains("p1 BONG -> unassigned"));
  CHECK_THAT(unassigned.status().message(), Catch::Contains("1 to unassigned"));
  strict.force = true;
  auto forced = import_csd_files(*fresh.store, fresh.key, {write_file(fresh.dir, "i.xml", lost)}, kLiberia, strict);
  REQUIRE(forced.ok());
  CHECK(find_provider(fresh.store->views(), "p1")->district.empty());
}
