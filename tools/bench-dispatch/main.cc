// bench-dispatch: one message to N health workers (default 50,000) through the RapidPro
// emulator over loopback HTTP. Reports RapidPro API calls made against the minimum (contact
// upserts needed + ceil(N / 100) sends; target <= 1.05x) and wall time. The registry is real:
// a generated CSD document imported through the registry code.
//
// Scenarios: (1) a fresh RapidPro (every contact must be created); (2) a second message to the
// same workers from the same running dispatcher (contacts already in sync); (3) the same from a
// freshly started process, which loads the contact index kept in the store and lists only the
// contacts changed since its cursor (contacts.json ?after=, ?deleted=true&after=); (4) another
// restart after staff renamed `--edited` contacts in RapidPro (each must be set back).
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "emulator.h"
#include "identity/crypto.h"
#include "messaging/compose.h"
#include "messaging/message_query.h"
#include "messaging/message_view.h"
#include "messaging/messaging_service.h"
#include "net/http_server.h"
#include "registry/csd_parser.h"
#include "registry/importer.h"
#include "registry/registry_view.h"

using namespace mhero;
using Clock_ = std::chrono::steady_clock;

namespace {

std::string csd(int n) {
  std::ostringstream x;
  x << R"(<?xml version="1.0" encoding="UTF-8"?><CSD xmlns="urn:ihe:iti:csd:2013"><organizationDirectory>)"
    << R"(<organization entityID="O-BONG"><otherID assigningAuthorityName="urn:mhero:district" code="BONG"/>)"
    << R"(<primaryName>Bong CHT</primaryName><record updated="2024-01-01T00:00:00+00:00" status="Active"/></organization>)"
    << R"(</organizationDirectory><serviceDirectory/><facilityDirectory><facility entityID="F-BONG"><primaryName>Clinic</primaryName>)"
    << R"(<organizations><organization entityID="O-BONG"/></organizations><record updated="2024-01-01T00:00:00+00:00" status="Active"/>)"
    << R"(</facility></facilityDirectory><providerDirectory>)";
  char phone[32];
  for (int i = 0; i < n; ++i) {
    std::snprintf(phone, sizeof phone, "+23177%07d", i);
    x << "<provider entityID=\"hw-" << i << "\"><codedType code=\"NURSE\" codingScheme=\"urn:mhero:cadre\"/><demographic><name>"
      << "<forename>Worker</forename><surname>Number " << i << "</surname></name><contactPoint><codedType code=\"BP\">" << phone
      << "</codedType></contactPoint></demographic><facilities><facility entityID=\"F-BONG\"/></facilities>"
      << "<record updated=\"2024-02-01T10:00:00+00:00\" status=\"Active\"/></provider>";
  }
  x << "</providerDirectory></CSD>";
  return x.str();
}

double seconds_since(Clock_::time_point t) { return std::chrono::duration<double>(Clock_::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  crypto_init();
  CLI::App app{"Dispatch one message to N health workers through the RapidPro emulator"};
  int workers = 50'000;
  bool no_sync = false;
  int edited = 1000;
  app.add_option("--workers", workers, "Health workers targeted")->capture_default_str();
  app.add_option("--edited", edited, "Contacts renamed in RapidPro before scenario 4")->capture_default_str();
  app.add_flag("--no-sync", no_sync, "Do not fsync store commits");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  auto dir = std::filesystem::temp_directory_path() / ("mhero-bench-dispatch-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  SystemClock clock;
  registry::RegistryView registry_view;
  MessageView message_view;
  auto store = LogStore::open(dir / "db", clock, StoreOptions{{&registry_view, &message_view}, nullptr, !no_sync, 2});
  if (!store.ok()) {
    std::cerr << store.status().to_string() << "\n";
    return 1;
  }
  std::array<uint8_t, 32> seed{};
  seed.fill(1);
  NodeKey key = NodeKey::from_seed(seed);
  auto t0 = Clock_::now();
  registry::PhoneNormalizer phones("LR");
  auto doc = registry::parse_csd_text(csd(workers), "generated.xml", phones);
  if (!doc.ok()) return std::cerr << doc.status().to_string() << "\n", 1;
  auto imported = registry::import_records(**store, key, std::move(doc).value(), registry::ImportOptions{});
  if (!imported.ok()) return std::cerr << imported.status().to_string() << "\n", 1;
  std::printf("registry: %d providers imported in %.1f s (setup, not measured)\n", workers, seconds_since(t0));

  rapidpro_emulator::EmulatorOptions eo;
  rapidpro_emulator::Emulator emulator(clock, eo);
  net::BackgroundHttpServer server({}, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  if (!server.start().ok()) return 1;
  RapidProConfig config;
  config.url = server.base_url();
  config.token = eo.token;

  auto message = [&](const std::string& text) {
    MessageRecord m;
    m.id = new_message_id();
    m.texts = {{"", text}};
    m.target.districts = {"BONG"};
    m.author = "bench";
    return write_message(**store, key, "national", m).ok() ? m.id : std::string();
  };
  auto dispatch = [&](MessagingService& service, const char* name, size_t upserts_needed) {
    size_t before = emulator.total_calls();
    auto start = Clock_::now();
    Status s = service.dispatcher().run_once();
    double wall = seconds_since(start);
    size_t calls = emulator.total_calls() - before;
    size_t minimum = upserts_needed + (static_cast<size_t>(workers) + 99) / 100;
    std::printf("%-34s calls %7zu  minimum %7zu  ratio %.4fx (target <= 1.05x)  wall %6.2f s  %s\n", name, calls,
                minimum, static_cast<double>(calls) / static_cast<double>(minimum), wall,
                s.ok() ? "ok" : s.to_string().c_str());
  };

  auto service = std::make_unique<MessagingService>(**store, key, clock, config,
                                                    std::make_unique<RegistryDirectory>((*store)->views()));
  message("first");
  dispatch(*service, "1. fresh RapidPro (create all)", static_cast<size_t>(workers));
  message("second");
  dispatch(*service, "2. same process, contacts in sync", 0);
  auto restarted = std::make_unique<MessagingService>(**store, key, clock, config,
                                                      std::make_unique<RegistryDirectory>((*store)->views()));
  message("third");
  dispatch(*restarted, "3. restarted process (kept index)", 0);
  {
    // Staff rename contacts in RapidPro while the central node is down.
    RapidProClient staff(config);
    std::vector<std::string> uuids;
    Status listed = staff.list_all("contacts.json", {}, [&](const nlohmann::json& c) {
      uuids.push_back(c["uuid"].get<std::string>());
      return Status{};
    });
    int renamed = 0;
    for (size_t i = 0; listed.ok() && i < uuids.size() && renamed < edited; ++i) {
      auto r = staff.post("contacts.json", {{"name", "Renamed in RapidPro"}}, {{"uuid", uuids[i]}});
      if (r.ok() && r->ok()) ++renamed;
    }
    if (!listed.ok() || renamed != edited) return std::cerr << "renaming contacts failed\n", 1;
  }
  auto restarted_again = std::make_unique<MessagingService>(**store, key, clock, config,
                                                            std::make_unique<RegistryDirectory>((*store)->views()));
  message("fourth");
  dispatch(*restarted_again, ("4. restarted, " + std::to_string(edited) + " renamed in RapidPro").c_str(),
           static_cast<size_t>(edited));
  std::printf("deliveries %zu, duplicates %zu, contacts %zu\n", emulator.deliveries().size(), emulator.duplicate_count(),
              emulator.contact_count());
  for (auto& [endpoint, n] : emulator.calls()) std::printf("  %-36s %zu\n", endpoint.c_str(), n);
  server.stop();
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
