// The mCSD pull (integrations/mcsd_pull.h) against the FHIR emulator (tools/fhir-emulator) on
// loopback, serving iHRIS 5's demo data, into a real RocksDB store.
#include <catch2/catch.hpp>

#include <chrono>

#include "emulator.h"  // OpenInfoMan
#include "fhir_emulator.h"
#include "integrations/mcsd_pull.h"
#include "integrations/openinfoman_pull.h"
#include "net/http_server.h"
#include "registry/csd_parser.h"
#include "registry/fixture.h"
#include "registry/record_sources.h"
#include "registry/registry_query.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;
using registry::find_provider;
namespace fe = mhero::fhir_emulator;

namespace {

const char* kDemoFiles[] = {"bundle-Country.json",      "bundle-Region.json",
                            "bundle-District.json",     "bundle-Facility.json",
                            "bundle-Practitioner.json", "bundle-PractitionerRole.json"};

std::string demo(const std::string& file) {
  return std::string(MHERO_TEST_FHIR_DIR) + "/ihris-demo/" + file;
}

struct ServedMcsd {
  ManualClock clock{std::chrono::milliseconds(1'780'000'000'000)};  // 2026-05-28.
  fe::Emulator emulator;
  net::BackgroundHttpServer http{net::HttpServerOptions{},
                                 [this](const net::HttpRequest& r) { return emulator.handle(r); }};
  explicit ServedMcsd(fe::EmulatorOptions options = {}) : emulator(options, clock) {
    for (const char* f : kDemoFiles) REQUIRE(emulator.load_file(demo(f)).ok());
    REQUIRE(http.start().ok());
    clock.advance(1h);  // The server's "now" moves on after the data was loaded.
  }
  integrations::McsdConfig config() const {
    integrations::McsdConfig c;
    c.url = http.base_url() + "/fhir";
    c.page_count = 100;
    c.timeout = 10s;
    REQUIRE(registry::load_job_code_system(demo("CodeSystem-ihris-job.json"), c.rules).ok());
    return c;
  }
  /// Changes a Practitioner's telecom to `phone` (a new version, now).
  void set_phone(const std::string& id, const std::string& phone) {
    auto r = emulator.handle(get("/fhir/Practitioner/" + id));
    REQUIRE(r.status == 200);
    auto j = nlohmann::json::parse(r.body);
    j["telecom"] = {{{"system", "phone"}, {"use", "mobile"}, {"value", phone}}};
    REQUIRE(emulator.put(j).ok());
  }
  static net::HttpRequest get(const std::string& target) {
    net::HttpRequest r;
    r.target = target;
    return r;
  }
};

Result<integrations::McsdPullReport> pull(RegistryStore& rs, const integrations::McsdConfig& c) {
  net::HttpClient client;
  registry::ImportOptions options;
  options.import_id = "mcsd-test";
  return integrations::pull_mcsd(*rs.store, rs.key, client, c, registry::PhoneNormalizer("LR"),
                                 options);
}

std::optional<std::string> mark(RegistryStore& rs, const integrations::McsdConfig& c,
                                const char* type) {
  return rs.store->get_meta(integrations::mcsd_mark_key(c.url, type)).value();
}

}  // namespace

TEST_CASE("mCSD pull: the iHRIS demo data by _history pages, then only what changed") {
  ServedMcsd s;
  RegistryStore rs;
  auto c = s.config();
  auto t0 = std::chrono::steady_clock::now();
  auto first = pull(rs, c);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  INFO(first.status().to_string());
  REQUIRE(first.ok());
  WARN("first mCSD pull of the iHRIS demo data: " << ms.count() << " ms, " << first->requests
                                                  << " requests");
  CHECK(first->mode.at("Practitioner") == "history");
  CHECK(first->practitioners == 1007);
  CHECK(first->roles == 1008);
  CHECK(first->locations == 297);
  CHECK(first->organizations == 15);
  // metadata + pages of 100: Location 3, Organization 1, Practitioner 11, PractitionerRole 11.
  CHECK(first->requests == 1 + 3 + 1 + 11 + 11);
  CHECK(first->import.providers == 1007);
  CHECK(first->import.unassigned == 7);
  CHECK(find_provider(rs.store->views(), "Practitioner/P10024")->district == "TF.CC.CAP");
  CHECK(mark(rs, c, "Practitioner") == "2026-05-28T21:26:40.000+00:00");  // The server's time.
  uint64_t entries = rs.store->entry_count();

  // Nothing changed: the overlap asks for the last 5 minutes again and that writes nothing.
  s.clock.advance(1h);
  auto again = pull(rs, c);
  REQUIRE(again.ok());
  CHECK(again->resources == 0);
  CHECK(rs.store->entry_count() == entries);
  CHECK(mark(rs, c, "Practitioner") == "2026-05-28T22:26:40.000+00:00");

  // One phone changes: only that Practitioner comes back; one registryDelta in its district.
  s.clock.advance(1h);
  s.set_phone("P9999", "0770123456");
  auto delta = pull(rs, c);
  REQUIRE(delta.ok());
  CHECK(delta->resources == 1);
  CHECK(delta->requests == 5);
  CHECK(delta->import.changed == 1);
  CHECK(delta->import.entries_by_scope == std::map<std::string, size_t>{{"district/TF.S.NYS", 1}});
  FeedId feed{rs.key.id(), "district/TF.S.NYS"};
  CHECK(rs.store->get(feed, rs.store->head_seq(feed))->kind() == schema::Payload::REGISTRY_DELTA);
  auto p = find_provider(rs.store->views(), "Practitioner/P9999");
  CHECK(p->mobile_e164() == "+231770123456");
  CHECK(p->facility_ids == std::vector<std::string>{"Location/TF.S.NYS.11"});  // Role kept.
  CHECK(p->skills.at(0).code == "4222-1A");

  // The same change seen again inside the overlap duplicates nothing.
  s.clock.advance(1min);
  auto overlap = pull(rs, c);
  REQUIRE(overlap.ok());
  CHECK(overlap->resources == 1);
  CHECK(overlap->import.entries_written() == 0);

  // A DELETE in the history removes the provider from its district feed.
  s.clock.advance(1h);
  REQUIRE(s.emulator.remove("Practitioner", "P9999").ok());
  auto removed = pull(rs, c);
  REQUIRE(removed.ok());
  CHECK(removed->import.removed == 1);
  CHECK(find_provider(rs.store->views(), "Practitioner/P9999").status().code() ==
        StatusCode::not_found);
}

TEST_CASE(
    "mCSD pull: without _history it searches _lastUpdated; a role move rebuilds the provider") {
  fe::EmulatorOptions options;
  options.history = false;
  options.empty_last_page = true;
  ServedMcsd s(options);
  RegistryStore rs;
  auto c = s.config();
  auto first = pull(rs, c);
  REQUIRE(first.ok());
  CHECK(first->requests == 1 + 4 + 2 + 12 + 12);  // Each type's pages, then one empty page.
  CHECK(first->import.providers == 1007);
  s.clock.advance(1h);
  auto role =
      nlohmann::json::parse(s.emulator.handle(ServedMcsd::get("/fhir/PractitionerRole/PR10001")).body);
  role["location"] = {{{"reference", "Location/TF.W.RSH.1"}}};
  REQUIRE(s.emulator.put(role).ok());
  auto r = pull(rs, c);
  REQUIRE(r.ok());
  CHECK(r->mode.at("PractitionerRole") == "search");
  CHECK(r->resources == 1);
  CHECK(r->import.moved == 1);
  auto p = find_provider(rs.store->views(), "Practitioner/P9999");
  CHECK(p->district == "TF.W.RSH");
  CHECK(p->common_names == find_provider(rs.store->views(), "Practitioner/P9999")->common_names);
  CHECK_FALSE(p->common_names.empty());  // Names kept from the held Practitioner.
  bool asked_lastupdated = false;
  for (const auto& t : s.emulator.targets()) {
    asked_lastupdated =
        asked_lastupdated || t.find("_lastUpdated=gt2026-05-28T21%3A21%3A40Z") != std::string::npos;
  }
  CHECK(asked_lastupdated);  // Mark 21:26:40 minus the 5 minute overlap.
}

TEST_CASE("mCSD pull: errors change nothing and say what to do") {
  fe::EmulatorOptions options;
  options.auth = fe::EmulatorOptions::Auth::bearer;
  ServedMcsd s(options);
  RegistryStore rs;
  auto c = s.config();

  auto denied = pull(rs, c);  // No token configured.
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.status().code() == StatusCode::permission_denied);
  CHECK(denied.status().message().find("check [mcsd] auth") != std::string::npos);
  CHECK(rs.store->entry_count() == 0);

  c.auth = integrations::McsdConfig::Auth::bearer;
  c.token = "fhir-token";
  s.emulator.fail_next(
      500, R"({"resourceType":"OperationOutcome","issue":[{"diagnostics":"db down"}]})", 6);
  auto down = pull(rs, c);
  REQUIRE_FALSE(down.ok());
  CHECK(down.status().code() == StatusCode::unavailable);
  CHECK(down.status().message().find("HTTP 500 (db down)") != std::string::npos);

  s.emulator.fail_next(200, R"({"resourceType":"Bundle","entry":[)", 8);
  auto malformed = pull(rs, c);
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.status().code() == StatusCode::invalid_argument);
  CHECK(malformed.status().message().find("not JSON (nothing imported)") != std::string::npos);

  s.emulator.expire_pages_after(7);  // The Practitioner pages' id expires after its first page.
  auto expired = pull(rs, c);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.status().code() == StatusCode::aborted);
  CHECK(expired.status().message().find("run `mhero registry pull` again") != std::string::npos);

  CHECK(rs.store->entry_count() == 0);   // Nothing written by any failed pull…
  CHECK_FALSE(mark(rs, c, "Location"));  // …and no mark saved, not even for finished types.
  auto ok = pull(rs, c);
  REQUIRE(ok.ok());
  CHECK(ok->import.providers == 1007);
  CHECK(mark(rs, c, "Location"));
}

TEST_CASE("mCSD pull: a central node pulls from OpenInfoMan (CSD) and mCSD into one registry") {
  ServedMcsd s;
  openinfoman_emulator::Emulator oim{openinfoman_emulator::EmulatorOptions{}};
  REQUIRE(oim.load_text("Providers", {kFixtureCsd}).ok());
  net::BackgroundHttpServer oim_http{net::HttpServerOptions{},
                                     [&](const net::HttpRequest& r) { return oim.handle(r); }};
  REQUIRE(oim_http.start().ok());
  integrations::OpenInfoManConfig oc;
  oc.url = oim_http.base_url();
  oc.username = "oim";
  oc.password = "oim-secret";
  oc.facility_document = oc.organization_document = "Providers";
  oc.timeout = 10s;

  RegistryStore rs;
  net::HttpClient client;
  auto csd = integrations::pull_openinfoman(
      *rs.store, rs.key, client, oc, registry::PhoneNormalizer("LR"), registry::ImportOptions{});
  REQUIRE(csd.ok());
  REQUIRE(pull(rs, s.config()).ok());
  auto stats = registry::registry_stats(rs.store->views());
  REQUIRE(stats.ok());
  CHECK(stats->providers == 1007 + 8);
  CHECK(find_provider(rs.store->views(), "Practitioner/P10024")->source ==
        "mcsd:" + s.config().url);
  CHECK(find_provider(rs.store->views(), "p1")->source == "csd:Providers");
  CHECK(find_provider(rs.store->views(), "p1")->district == "BONG");

  // A second CSD pull (nothing new) leaves the mCSD records alone, and the reverse.
  s.clock.advance(1h);
  REQUIRE(integrations::pull_openinfoman(*rs.store, rs.key, client, oc,
                                         registry::PhoneNormalizer("LR"), registry::ImportOptions{})
              .ok());
  auto again = pull(rs, s.config());
  REQUIRE(again.ok());
  CHECK(again->import.entries_written() == 0);
  CHECK(registry::registry_stats(rs.store->views())->providers == 1007 + 8);

  // A full CSD import that lacks p2 removes p2, and no mCSD record.
  auto doc = registry::parse_csd_text(kFixtureCsd, "Providers", registry::PhoneNormalizer("LR"));
  REQUIRE(doc.ok());
  doc->providers.erase(doc->providers.begin() + 1);
  REQUIRE(doc->providers[0].entity_id == "p1");
  registry::set_source(*doc, "csd:Providers");
  registry::ImportOptions full;
  full.full = true;
  auto r = registry::import_records(*rs.store, rs.key, std::move(doc).value(), full);
  REQUIRE(r.ok());
  CHECK(r->removed == 1);
  CHECK(registry::registry_stats(rs.store->views())->providers == 1007 + 7);
  CHECK(find_provider(rs.store->views(), "Practitioner/P10024").ok());
}

TEST_CASE("mCSD pull: a provider known to CSD and mCSD by the same entityID is one record with both sources") {
  ServedMcsd s;
  // P10024 carries the CSD entityID "p1" (as an iHRIS 4 -> 5 migration keeps it).
  auto r = s.emulator.handle(ServedMcsd::get("/fhir/Practitioner/P10024"));
  REQUIRE(r.status == 200);
  auto practitioner = nlohmann::json::parse(r.body);
  practitioner["identifier"] = {{{"system", "urn:mhero:csd-entityid"}, {"value", "p1"}}};
  REQUIRE(s.emulator.put(practitioner).ok());
  s.clock.advance(1h);

  openinfoman_emulator::Emulator oim{openinfoman_emulator::EmulatorOptions{}};
  REQUIRE(oim.load_text("Providers", {kFixtureCsd}).ok());
  net::BackgroundHttpServer oim_http{net::HttpServerOptions{},
                                     [&](const net::HttpRequest& q) { return oim.handle(q); }};
  REQUIRE(oim_http.start().ok());
  integrations::OpenInfoManConfig oc;
  oc.url = oim_http.base_url();
  oc.username = "oim";
  oc.password = "oim-secret";
  oc.facility_document = oc.organization_document = "Providers";
  oc.timeout = 10s;
  RegistryStore rs;
  net::HttpClient client;
  REQUIRE(integrations::pull_openinfoman(*rs.store, rs.key, client, oc, registry::PhoneNormalizer("LR"),
                                         registry::ImportOptions{})
              .ok());
  auto c = s.config();
  c.rules.csd_id_system = "urn:mhero:csd-entityid";
  std::string mcsd_source = "mcsd:" + c.url;

  auto first = pull(rs, c);
  REQUIRE(first.ok());
  const ViewReader& v = rs.store->views();
  auto p1 = find_provider(v, "p1");
  REQUIRE(p1.ok());
  CHECK(p1->source == "csd:Providers " + mcsd_source);
  CHECK(p1->district == "TF.CC.CAP");  // The latest import's fields: the mCSD Practitioner's roles.
  CHECK(find_provider(v, "Practitioner/P10024").status().code() == StatusCode::not_found);
  CHECK(registry::registry_stats(v)->providers == 1007 + 8 - 1);
  CHECK(rs.store->get_meta(integrations::mcsd_alias_prefix(c.url) + "Practitioner/P10024").value() == "p1");

  // The CSD source gives p1 again: still one record, both sources.
  REQUIRE(integrations::pull_openinfoman(*rs.store, rs.key, client, oc, registry::PhoneNormalizer("LR"),
                                         registry::ImportOptions{})
              .ok());
  CHECK(find_provider(v, "p1")->source == "csd:Providers " + mcsd_source);
  CHECK(find_provider(v, "p1")->district == "BONG");

  // A phone change on P10024 (Practitioner only): its role is found through the kept alias.
  s.set_phone("P10024", "+231770999999");
  s.clock.advance(1h);
  auto phone = pull(rs, c);
  REQUIRE(phone.ok());
  CHECK(phone->import.providers == 1);
  CHECK(find_provider(v, "p1")->mobile_e164() == "+231770999999");
  CHECK(find_provider(v, "p1")->source == "csd:Providers " + mcsd_source);

  // Deleted in the mCSD server: the record stays, the CSD source's only.
  REQUIRE(s.emulator.remove("Practitioner", "P10024").ok());
  s.clock.advance(1h);
  auto deleted = pull(rs, c);
  REQUIRE(deleted.ok());
  CHECK(deleted->import.removed == 0);
  auto kept = find_provider(v, "p1");
  REQUIRE(kept.ok());
  CHECK_FALSE(kept->removed);
  CHECK(kept->source == "csd:Providers");

  // A full CSD import without p1 now removes it.
  auto doc = registry::parse_csd_text(kFixtureCsd, "Providers", registry::PhoneNormalizer("LR"));
  REQUIRE(doc.ok());
  doc->providers.erase(doc->providers.begin());
  registry::set_source(*doc, "csd:Providers");
  registry::ImportOptions full;
  full.full = true;
  auto gone = registry::import_records(*rs.store, rs.key, std::move(doc).value(), full);
  REQUIRE(gone.ok());
  CHECK(gone->removed == 1);
  CHECK(find_provider(v, "p1").status().code() == StatusCode::not_found);
}

TEST_CASE("record sources: merged per kind, dropped per kind") {
  using registry::drop_source_kind;
  using registry::merge_sources;
  CHECK(merge_sources("", "csd:Providers") == "csd:Providers");
  CHECK(merge_sources("mcsd:https://a/fhir", "csd:Providers") == "csd:Providers mcsd:https://a/fhir");
  CHECK(merge_sources("csd:Old mcsd:https://a/fhir", "csd:Providers") == "csd:Providers mcsd:https://a/fhir");
  CHECK(merge_sources("csd:Providers mcsd:https://a/fhir", "mcsd:https://b/fhir") ==
        "csd:Providers mcsd:https://b/fhir");
  CHECK(merge_sources("csd:Providers", "") == "csd:Providers");
  CHECK(drop_source_kind("csd:Providers mcsd:https://a/fhir", "mcsd") == "csd:Providers");
  CHECK(drop_source_kind("mcsd:https://a/fhir", "mcsd").empty());
  CHECK(drop_source_kind("", "csd").empty());
}
