// `openinfoman-emulator`: serves CSD files through OpenInfoMan's careServicesRequest stored
// functions (see emulator.h) until SIGINT/SIGTERM.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "emulator.h"
#include "identity/crypto.h"
#include "net/http_server.h"

int main(int argc, char** argv) {
  using namespace mhero;
  crypto_init();
  CLI::App app{"OpenInfoMan emulator: CSD careServicesRequest stored functions (mHero tests and demo)"};
  openinfoman_emulator::EmulatorOptions options;
  net::HttpServerOptions server;
  std::string document = "Providers";
  std::vector<std::string> files;
  app.add_option("--host", server.host, "Address to bind")->capture_default_str();
  app.add_option("--port", server.port, "Port (0 = ephemeral, printed on start)")->capture_default_str();
  app.add_option("--user", options.username, "HTTP Basic user name")->capture_default_str();
  app.add_option("--password", options.password, "HTTP Basic password")->capture_default_str();
  app.add_option("--document", document, "Document name the files are served as")->capture_default_str();
  app.add_option("files", files, "CSD XML files (providers, facilities, organizations)")->required();
  CLI11_PARSE(app, argc, argv);

  openinfoman_emulator::Emulator emulator(options);
  std::vector<std::filesystem::path> paths(files.begin(), files.end());
  if (Status s = emulator.load(document, paths); !s.ok()) {
    std::cerr << "openinfoman-emulator: " << s.to_string() << "\n";
    return 1;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  net::BackgroundHttpServer http(server, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  auto port = http.start();
  if (!port.ok()) {
    std::cerr << "openinfoman-emulator: " << port.status().to_string() << "\n";
    return 1;
  }
  std::cout << "openinfoman-emulator serving document '" << document << "' on " << http.base_url() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  http.stop();
  return 0;
}
