// linksim: a lossy TCP proxy for demos and manual tests (see linksim.h).
//   linksim --listen-port 7448 --target 127.0.0.1:7447 --bandwidth-bps 9600 --latency-ms 300
//     --random-cut-max-bytes 20000 --seed 7 --blackout 10000:20000
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "linksim/linksim.h"

int main(int argc, char** argv) {
  CLI::App app{"linksim: TCP proxy adding latency, bandwidth caps, cuts and blackouts"};
  uint16_t listen_port = 0;
  std::string target;
  mhero::linksim::LinkSpec spec;
  uint64_t cut_after = 0;
  long long latency_ms = 0;
  std::vector<std::string> blackouts;
  app.add_option("--listen-port", listen_port, "Port on 127.0.0.1 to accept clients on (0 = any, printed)");
  app.add_option("--target", target, "HOST:PORT to forward to")->required();
  app.add_option("--bandwidth-bps", spec.bandwidth_bps, "Bandwidth cap per direction in bit/s (0 = none)");
  app.add_option("--latency-ms", latency_ms, "Added one-way latency in ms");
  app.add_option("--cut-after-bytes", cut_after, "Cut each connection after this many bytes in one direction");
  app.add_option("--random-cut-max-bytes", spec.random_cut_max_bytes,
                 "Cut each connection at a random offset in [1, N] in a random direction");
  app.add_option("--seed", spec.seed, "Seed for the random cuts");
  app.add_option("--blackout", blackouts, "START_MS:END_MS after start during which the link is down (repeatable)");
  CLI11_PARSE(app, argc, argv);
  spec.latency = std::chrono::milliseconds(latency_ms);
  if (cut_after > 0) spec.cut_after_bytes = cut_after;
  for (const auto& b : blackouts) {
    size_t colon = b.find(':');
    if (colon == std::string::npos) {
      std::cerr << "linksim: --blackout \"" << b << "\" is not START_MS:END_MS\n";
      return 2;
    }
    spec.blackouts.emplace_back(std::chrono::milliseconds(std::stoll(b.substr(0, colon))),
                                std::chrono::milliseconds(std::stoll(b.substr(colon + 1))));
  }
  size_t colon = target.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "linksim: --target \"" << target << "\" is not HOST:PORT\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto sim = mhero::linksim::LinkSim::start(target.substr(0, colon),
                                            static_cast<uint16_t>(std::stoi(target.substr(colon + 1))), spec, listen_port);
  if (!sim.ok()) {
    std::cerr << "linksim: " << sim.status().to_string() << "\n";
    return 1;
  }
  std::cout << "linksim listening on 127.0.0.1:" << (*sim)->port() << " -> " << target << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  (*sim)->stop();
  std::cout << "linksim: " << (*sim)->connections() << " connections, " << (*sim)->bytes_up() << " bytes up, "
            << (*sim)->bytes_down() << " bytes down, " << (*sim)->cuts() << " cuts\n";
  return 0;
}
