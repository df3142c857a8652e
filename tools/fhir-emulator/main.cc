// `fhir-emulator`: serves FHIR R4 Bundles (e.g. iHRIS 5's demo data) as an mCSD Directory (see
// emulator.h) until SIGINT/SIGTERM.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "fhir_emulator.h"
#include "identity/crypto.h"
#include "net/http_server.h"

int main(int argc, char** argv) {
  using namespace mhero;
  crypto_init();
  CLI::App app{"FHIR R4 / mCSD emulator: searches, _history, paging (mHero tests and demo)"};
  fhir_emulator::EmulatorOptions options;
  net::HttpServerOptions server;
  std::string auth = "none";
  bool no_history = false;
  std::vector<std::string> files;
  app.add_option("--host", server.host, "Address to bind")->capture_default_str();
  app.add_option("--port", server.port, "Port (0 = ephemeral, printed on start)")
      ->capture_default_str();
  app.add_option("--auth", auth, "none, basic or bearer")->capture_default_str();
  app.add_option("--user", options.username, "HTTP Basic user name")->capture_default_str();
  app.add_option("--password", options.password, "HTTP Basic password")->capture_default_str();
  app.add_option("--token", options.token, "Bearer token")->capture_default_str();
  app.add_option("--base-path", options.base_path, "Path of the FHIR base")->capture_default_str();
  app.add_option("--page-size", options.default_count, "_count when absent")->capture_default_str();
  app.add_flag("--no-history", no_history, "No _history (the client must search by _lastUpdated)");
  app.add_option("files", files, "FHIR Bundles (transaction/collection) or single resources, JSON")
      ->required();
  CLI11_PARSE(app, argc, argv);
  if (auth == "basic") {
    options.auth = fhir_emulator::EmulatorOptions::Auth::basic;
  } else if (auth == "bearer") {
    options.auth = fhir_emulator::EmulatorOptions::Auth::bearer;
  } else if (auth != "none") {
    std::cerr << "fhir-emulator: --auth must be none, basic or bearer\n";
    return 2;
  }
  options.history = !no_history;

  SystemClock clock;
  fhir_emulator::Emulator emulator(options, clock);
  size_t loaded = 0;
  for (const auto& f : files) {
    auto n = emulator.load_file(f);
    if (!n.ok()) {
      std::cerr << "fhir-emulator: " << n.status().to_string() << "\n";
      return 1;
    }
    loaded += *n;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  net::BackgroundHttpServer http(server,
                                 [&](const net::HttpRequest& r) { return emulator.handle(r); });
  auto port = http.start();
  if (!port.ok()) {
    std::cerr << "fhir-emulator: " << port.status().to_string() << "\n";
    return 1;
  }
  std::cout << "fhir-emulator serving " << loaded << " resources at " << http.base_url()
            << options.base_path << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  http.stop();
  return 0;
}
