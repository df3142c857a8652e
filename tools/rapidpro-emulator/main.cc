// `rapidpro-emulator`: serves the RapidPro API v2 emulator on a port (for the demo and manual
// tests). Runs until SIGINT/SIGTERM. Simulated time here is the real clock.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "emulator.h"
#include "net/http_server.h"

int main(int argc, char** argv) {
  using namespace mhero;
  CLI::App app{"RapidPro API v2 emulator (mHero tests and demo)"};
  rapidpro_emulator::EmulatorOptions options;
  net::HttpServerOptions server;
  std::vector<std::string> flows, answers, answers_as;
  long long delay_ms = options.answer_delay.count();
  std::string cert, key;
  app.add_option("--host", server.host, "Address to bind")->capture_default_str();
  app.add_option("--port", server.port, "Port (0 = ephemeral, printed on start)")->capture_default_str();
  app.add_option("--token", options.token, "API token expected in 'Authorization: Token …'")->capture_default_str();
  app.add_option("--field", options.field_keys, "Contact field keys that exist (repeatable)");
  app.add_option("--flow", flows, "A flow that exists, UUID=NAME (repeatable)");
  app.add_option("--answer", answers, "Scripted flow answer RESULT=VALUE (repeatable)");
  app.add_option("--answer-as", answers_as,
                 "The contact with URN answers flows with RESULT=VALUE instead of --answer: \"URN RESULT=VALUE\" "
                 "(repeatable; e.g. \"tel:+231770000001 new_phone=0779999991\")");
  app.add_option("--answer-delay-ms", delay_ms, "Delay before simulated workers answer, ms")->capture_default_str();
  app.add_option("--broadcast-reply", options.broadcast_reply, "Text every broadcast recipient replies");
  app.add_option("--throttle-every", options.throttle_every, "Refuse every Nth request with 429 (0 = never)");
  app.add_option("--retry-after-s", options.retry_after_seconds, "Retry-After seconds sent with 429");
  app.add_option("--delivery-pattern", options.delivery_pattern,
                 "Status of the i-th SMS of each broadcast, one letter per position (d delivered, s sent, "
                 "w wired, q queued, e errored, f failed)")
      ->capture_default_str();
  app.add_option("--tls-cert", cert, "PEM certificate chain: serve HTTPS");
  app.add_option("--tls-key", key, "PEM private key for --tls-cert");
  CLI11_PARSE(app, argc, argv);
  for (auto& f : flows) {
    auto eq = f.find('=');
    options.flows[f.substr(0, eq)] = eq == std::string::npos ? "Flow" : f.substr(eq + 1);
  }
  if (!answers.empty()) options.flow_answers.clear();
  for (auto& a : answers) {
    auto eq = a.find('=');
    options.flow_answers.emplace_back(a.substr(0, eq), eq == std::string::npos ? "" : a.substr(eq + 1));
  }
  options.answer_delay = std::chrono::milliseconds(delay_ms);
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> per_urn;
  if (!cert.empty()) server.cert_chain_file = cert;
  if (!key.empty()) server.key_file = key;

  // Block before the server thread starts so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  SystemClock clock;
  rapidpro_emulator::Emulator emulator(clock, options);
  for (auto& a : answers_as) {
    auto space = a.find(' ');
    auto eq = a.find('=', space == std::string::npos ? 0 : space);
    if (space == std::string::npos || eq == std::string::npos) {
      std::cerr << "rapidpro-emulator: --answer-as '" << a << "' is not \"URN RESULT=VALUE\"\n";
      return 2;
    }
    per_urn[a.substr(0, space)].emplace_back(a.substr(space + 1, eq - space - 1), a.substr(eq + 1));
  }
  for (auto& [urn, values] : per_urn) emulator.answer_as(urn, values);
  net::BackgroundHttpServer http(server, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  auto port = http.start();
  if (!port.ok()) {
    std::cerr << "rapidpro-emulator: " << port.status().to_string() << "\n";
    return 1;
  }
  std::cout << "rapidpro-emulator listening on " << http.base_url() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  http.stop();
  return 0;
}
