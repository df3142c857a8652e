// `openhim-emulator`: the OpenHIM core API and polling channels the mHero mediator uses (see
// emulator.h) until SIGINT/SIGTERM. Transactions: GET /transactions (authenticated).
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "emulator.h"
#include "identity/crypto.h"
#include "net/http_server.h"

int main(int argc, char** argv) {
  using namespace mhero;
  crypto_init();
  CLI::App app{"OpenHIM emulator: mediators, heartbeats, polling channels, transactions (mHero tests and demo)"};
  openhim_emulator::EmulatorOptions options;
  net::HttpServerOptions server;
  int64_t router_timeout_ms = options.router_timeout.count();
  bool no_scheduler = false;
  std::string route_ca;
  app.add_option("--host", server.host, "Address to bind")->capture_default_str();
  app.add_option("--port", server.port, "API port (0 = ephemeral, printed on start)")->capture_default_str();
  app.add_option("--email", options.email, "API user (admin)")->capture_default_str();
  app.add_option("--password", options.password, "API user's password")->capture_default_str();
  app.add_option("--router-timeout-ms", router_timeout_ms, "Router timeout for each route call")->capture_default_str();
  app.add_option("--route-ca", route_ca, "PEM CA file trusted for https (secured) routes");
  app.add_flag("--no-scheduler", no_scheduler, "Do not run polling channels on their schedules (manual triggers only)");
  CLI11_PARSE(app, argc, argv);
  options.router_timeout = std::chrono::milliseconds(router_timeout_ms);
  if (!route_ca.empty()) options.route_ca_file = route_ca;

  openhim_emulator::Emulator emulator(options);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  net::BackgroundHttpServer http(server, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  auto port = http.start();
  if (!port.ok()) {
    std::cerr << "openhim-emulator: " << port.status().to_string() << "\n";
    return 1;
  }
  if (!no_scheduler) emulator.start_scheduler();
  std::cout << "openhim-emulator: API on " << http.base_url() << " (user " << options.email << ")" << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  emulator.stop_scheduler();
  http.stop();
  return 0;
}
