// `dhis2-emulator`: the DHIS2 Web API parts the mHero central node uses (see dhis2_emulator.h)
// over a generated Sierra-Leone-shaped org-unit tree, until SIGINT/SIGTERM.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "dhis2_emulator.h"
#include "identity/crypto.h"
#include "net/http_server.h"

int main(int argc, char** argv) {
  using namespace mhero;
  crypto_init();
  CLI::App app{"DHIS2 emulator: organisationUnits, dataValueSets import summaries (mHero tests and demo)"};
  dhis2_emulator::EmulatorOptions options;
  net::HttpServerOptions server;
  std::vector<std::string> csd_files, closed;
  app.add_option("--host", server.host, "Address to bind")->capture_default_str();
  app.add_option("--port", server.port, "Port (0 = ephemeral, printed on start)")->capture_default_str();
  app.add_option("--user", options.username, "Basic auth user")->capture_default_str();
  app.add_option("--password", options.password, "Basic auth password")->capture_default_str();
  app.add_option("--token", options.token, "Personal access token accepted as `ApiToken …` (\"\" = none)");
  app.add_option("--districts", options.tree.districts, "Generated districts (level 2)")->capture_default_str();
  app.add_option("--chiefdoms", options.tree.chiefdoms_per_district, "Chiefdoms per district (level 3)")
      ->capture_default_str();
  app.add_option("--facilities", options.tree.facilities_per_chiefdom, "Facilities per chiefdom (level 4)")
      ->capture_default_str();
  app.add_option("--seed", options.tree.seed, "Seed of the generated tree's uids and names")->capture_default_str();
  app.add_option("--csd", csd_files, "CSD file whose facilities become org units (code = entityID) under their "
                                     "districts (code = district code)");
  app.add_option("--closed-period", closed, "A period the data set no longer accepts (E7643), e.g. 202401");
  CLI11_PARSE(app, argc, argv);

  SystemClock clock;
  dhis2_emulator::Emulator emulator(options, clock);
  for (const auto& f : csd_files) {
    auto added = emulator.add_csd_facilities(f);
    if (!added.ok()) {
      std::cerr << "dhis2-emulator: " << added.status().to_string() << "\n";
      return 1;
    }
  }
  for (const auto& pe : closed) emulator.close_period(pe);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  net::BackgroundHttpServer http(server, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  auto port = http.start();
  if (!port.ok()) {
    std::cerr << "dhis2-emulator: " << port.status().to_string() << "\n";
    return 1;
  }
  std::cout << "dhis2-emulator: Web API on " << http.base_url() << "/api (" << emulator.org_units().size()
            << " org units, user " << options.username << ")" << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  http.stop();
  return 0;
}
