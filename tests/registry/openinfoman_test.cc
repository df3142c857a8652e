#include <catch2/catch.hpp>

#include "emulator.h"
#include "fixture.h"
#include "integrations/openinfoman_pull.h"
#include "net/http_server.h"
#include "registry/csd_parser.h"
#include "registry/registry_query.h"

using namespace mhero;
using namespace mhero::testing;
using integrations::basic_auth_header;
using registry::find_provider;
using integrations::request_params_body;
namespace oim = mhero::openinfoman_emulator;

namespace {

// p2 is the newest record (LAST after a first pull).
std::string fixture_v1() {
  return replace_once(kFixtureCsd, "<record updated=\"2024-02-01T10:00:00+00:00\" status=\"106-001\"/>",
                 "<record updated=\"2024-02-02T00:00:00+00:00\" status=\"106-001\"/>");
}

// p1 changes phone, p10 joins, both updated after LAST.
std::string fixture_v2() {
  std::string s = replace_once(fixture_v1(), "0770123456</codedType></contactPoint></demographic>\n      <facilities><facility entityID=\"F1\"/></facilities>\n      <specialty code=\"MIDWIFERY\" codingScheme=\"urn:mhero:skill\"/>\n      <record updated=\"2024-02-01T10:00:00+00:00\"",
                          "0770999999</codedType></contactPoint></demographic>\n      <facilities><facility entityID=\"F1\"/></facilities>\n      <specialty code=\"MIDWIFERY\" codingScheme=\"urn:mhero:skill\"/>\n      <record updated=\"2024-03-01T00:00:00+00:00\"");
  return replace_once(s, "</providerDirectory>",
                 "<provider entityID=\"p10\"><codedType code=\"CHW\"/><demographic><name><commonName>New Worker</commonName></name>"
                 "<contactPoint><codedType code=\"BP\">0886000010</codedType></contactPoint></demographic>"
                 "<facilities><facility entityID=\"F2\"/></facilities>"
                 "<record updated=\"2024-03-02T00:00:00+00:00\" status=\"Active\"/></provider></providerDirectory>");
}

net::HttpRequest oim_search(const std::string& doc, const char* function, const std::string& body, bool auth = true) {
  net::HttpRequest r;
  r.method = "POST";
  r.target = "/CSD/csr/" + doc + "/careServicesRequest/" + function;
  r.body = body;
  if (auth) r.headers.emplace_back("Authorization", basic_auth_header("oim", "oim-secret"));
  return r;
}

struct Served {
  oim::Emulator emulator{oim::EmulatorOptions{}};
  net::BackgroundHttpServer http{net::HttpServerOptions{}, [this](const net::HttpRequest& r) { return emulator.handle(r); }};
  Served() {
    REQUIRE(emulator.load_text("Providers", {fixture_v1()}).ok());
    REQUIRE(http.start().ok());
  }
  integrations::OpenInfoManConfig config() const {
    integrations::OpenInfoManConfig c;
    c.url = http.base_url();
    c.username = "oim";
    c.password = "oim-secret";
    c.provider_document = "Providers";
    c.facility_document = "Providers";
    c.organization_document = "Providers";
    c.timeout = std::chrono::seconds(10);
    return c;
  }
};

Result<integrations::PullReport> pull(RegistryStore& rs, const integrations::OpenInfoManConfig& c) {
  net::HttpClient client;
  return integrations::pull_openinfoman(*rs.store, rs.key, client, c, registry::PhoneNormalizer("LR"),
                                        registry::ImportOptions{});
}

}  // namespace

TEST_CASE("OpenInfoMan emulator: auth, unknown document, malformed body, modified-since") {
  oim::Emulator e{oim::EmulatorOptions{}};
  REQUIRE(e.load_text("Providers", {fixture_v1()}).ok());
  CHECK(e.handle(oim_search("Providers", oim::kProviderSearch, request_params_body(""), false)).status == 401);
  auto wrong = oim_search("Providers", oim::kProviderSearch, request_params_body(""), false);
  wrong.headers.emplace_back("Authorization", basic_auth_header("oim", "guess"));
  CHECK(e.handle(wrong).status == 401);
  CHECK(e.handle(oim_search("Nope", oim::kProviderSearch, request_params_body(""))).status == 404);
  CHECK(e.handle(oim_search("Providers", "urn:x:unknown", request_params_body(""))).status == 404);
  CHECK(e.handle(oim_search("Providers", oim::kProviderSearch, "<csd:requestParams")).status == 400);
  CHECK(e.handle(oim_search("Providers", oim::kProviderSearch, "<other/>")).status == 400);
  CHECK(e.handle(oim_search("Providers", oim::kProviderSearch, request_params_body("yesterday"))).status == 400);

  auto all = e.handle(oim_search("Providers", oim::kProviderSearch, request_params_body("")));
  REQUIRE(all.status == 200);
  auto doc = registry::parse_csd_text(all.body, "reply", registry::PhoneNormalizer("LR"));
  REQUIRE(doc.ok());
  CHECK(doc->providers.size() == 8);  // All 9 elements are served; p9 has no id.

  auto since = e.handle(oim_search("Providers", oim::kProviderSearch, request_params_body("2024-02-01T12:00:00Z")));
  REQUIRE(since.status == 200);
  auto newer = registry::parse_csd_text(since.body, "reply", registry::PhoneNormalizer("LR"));
  REQUIRE(newer.ok());
  REQUIRE(newer->providers.size() == 1);
  CHECK(newer->providers[0].entity_id == "p2");
  auto facilities = e.handle(oim_search("Providers", oim::kFacilitySearch, request_params_body("")));
  CHECK(registry::parse_csd_text(facilities.body, "reply", registry::PhoneNormalizer("LR"))->facilities.size() == 3);
}

TEST_CASE("registry pull imports everything first, then only records updated since LAST") {
  Served s;
  RegistryStore rs;
  auto first = pull(rs, s.config());
  INFO(first.status().to_string());
  REQUIRE(first.ok());
  CHECK(first->searches == 3);
  CHECK(first->import.providers == 8);
  CHECK(first->import.organizations == 4);
  CHECK(first->import.facilities == 3);
  CHECK(find_provider(rs.store->views(), "p1")->district == "BONG");
  auto last = rs.store->get_meta(integrations::last_updated_key("Providers", "provider-search"));
  REQUIRE(last.ok());
  CHECK(last->value_or("") == "2024-02-02T00:00:00+00:00");
  uint64_t entries = rs.store->entry_count();

  // Nothing new: only the record at LAST comes back, and it writes nothing.
  auto again = pull(rs, s.config());
  REQUIRE(again.ok());
  CHECK(again->import.providers == 1);
  CHECK(again->import.entries_written() == 0);
  CHECK(rs.store->entry_count() == entries);

  REQUIRE(s.emulator.load_text("Providers", {fixture_v2()}).ok());
  auto delta = pull(rs, s.config());
  REQUIRE(delta.ok());
  CHECK(delta->import.providers == 3);  // p2 (at LAST), p1 (changed), p10 (new).
  CHECK(delta->import.added == 1);
  CHECK(delta->import.changed == 1);
  CHECK(find_provider(rs.store->views(), "p1")->mobile_e164() == "+231770999999");
  CHECK(find_provider(rs.store->views(), "p10")->district == "NIMBA");
  CHECK(rs.store->get_meta(integrations::last_updated_key("Providers", "provider-search"))->value_or("") ==
        "2024-03-02T00:00:00+00:00");
}

TEST_CASE("registry pull saves no LAST and writes nothing when a search fails") {
  Served s;
  RegistryStore rs;
  auto c = s.config();
  c.provider_document = "Nope";
  auto r = pull(rs, c);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::not_found);
  CHECK(rs.store->entry_count() == 0);
  CHECK_FALSE(rs.store->get_meta(integrations::last_updated_key("Providers", "facility-search"))->has_value());

  c = s.config();
  c.password = "wrong";
  auto denied = pull(rs, c);
  CHECK(denied.status().code() == StatusCode::permission_denied);
  CHECK(rs.store->entry_count() == 0);
}
