// A central node's store with a REAL registry (a generated CSD document imported through the
// registry code), a RapidPro emulator served over loopback HTTP, and a MessagingService whose
// waits advance the simulated clock.
//
// Generated registry: districts BONG and NIMBA (organizations with district otherIDs, one
// facility each). Worker i of a district: entityID "<D>-<i>", cadre NURSE for even i and CHW for
// odd i, mobile "07" + 8 digits (Liberia). Plus in BONG: one inactive nurse "BONG-inactive" and
// one nurse with a junk phone "BONG-nophone".
#pragma once

#include <capnp/message.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "emulator.h"
#include "messaging/answer_view.h"
#include "messaging/compose.h"
#include "messaging/delivery_report.h"
#include "messaging/message_query.h"
#include "messaging/message_view.h"
#include "messaging/messaging_service.h"
#include "net/http_server.h"
#include "registry/csd_parser.h"
#include "registry/importer.h"
#include "registry/phone.h"
#include "registry/registry_view.h"
#include "support/entries.h"
#include "support/temp_dir.h"
#include "support/tls_cert.h"

namespace mhero::testing {

/// "+23177" (BONG) or "+23188" (NIMBA) + 7 digits for worker `i`: valid Liberian mobiles.
inline std::string worker_phone(int district_index, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+231%d%07d", district_index == 0 ? 77 : 88, i);
  return buf;
}

/// `extra_providers`: more <provider> elements (e.g. shared_phone_provider()) before the end.
inline std::string generated_csd(int bong, int nimba, const std::string& extra_providers = "") {
  std::ostringstream x;
  x << R"(<?xml version="1.0" encoding="UTF-8"?><CSD xmlns="urn:ihe:iti:csd:2013"><organizationDirectory>)";
  for (auto d : {"BONG", "NIMBA"}) {
    x << "<organization entityID=\"O-" << d << "\"><otherID assigningAuthorityName=\"urn:mhero:district\" code=\""
      << d << "\"/><primaryName>" << d << " CHT</primaryName><record updated=\"2024-01-01T00:00:00+00:00\" status=\"Active\"/></organization>";
  }
  x << "</organizationDirectory><serviceDirectory/><facilityDirectory>";
  for (auto d : {"BONG", "NIMBA"}) {
    x << "<facility entityID=\"F-" << d << "\"><primaryName>" << d << " clinic</primaryName><organizations><organization entityID=\"O-"
      << d << "\"/></organizations><record updated=\"2024-01-01T00:00:00+00:00\" status=\"Active\"/></facility>";
  }
  x << "</facilityDirectory><providerDirectory>";
  auto provider = [&](const std::string& id, const std::string& district, const std::string& cadre,
                      const std::string& phone, const char* status) {
    x << "<provider entityID=\"" << id << "\"><codedType code=\"" << cadre << "\" codingScheme=\"urn:mhero:cadre\"/>"
      << "<demographic><name><forename>Worker</forename><surname>" << id << "</surname></name><contactPoint><codedType code=\"BP\">"
      << phone << "</codedType></contactPoint></demographic><facilities><facility entityID=\"F-" << district
      << "\"/></facilities><record updated=\"2024-02-01T10:00:00+00:00\" status=\"" << status << "\"/></provider>";
  };
  for (int d = 0; d < 2; ++d) {
    std::string district = d == 0 ? "BONG" : "NIMBA";
    for (int i = 0; i < (d == 0 ? bong : nimba); ++i) {
      provider(district + "-" + std::to_string(i), district, i % 2 == 0 ? "NURSE" : "CHW", worker_phone(d, i), "Active");
    }
  }
  provider("BONG-inactive", "BONG", "NURSE", "+231779999991", "Inactive");
  provider("BONG-nophone", "BONG", "NURSE", "44.44.44", "Active");
  x << extra_providers << "</providerDirectory></CSD>";
  return x.str();
}

/// An active provider of `district` (BONG or NIMBA) with `phone` (E.164), e.g. a phone that
/// another worker already holds.
inline std::string shared_phone_provider(const std::string& id, const std::string& district, const std::string& cadre,
                                         const std::string& phone) {
  return "<provider entityID=\"" + id + "\"><codedType code=\"" + cadre + "\" codingScheme=\"urn:mhero:cadre\"/>" +
         "<demographic><name><forename>Worker</forename><surname>" + id + "</surname></name><contactPoint><codedType code=\"BP\">" +
         phone + "</codedType></contactPoint></demographic><facilities><facility entityID=\"F-" + district +
         "\"/></facilities><record updated=\"2024-02-01T10:00:00+00:00\" status=\"Active\"/></provider>";
}

struct MessagingFixture {
  TempDir dir;
  ManualClock clock;
  NodeKey central = test_key(1);
  NodeKey district_bong = test_key(2);
  registry::RegistryView registry_view;
  MessageView message_view;
  AnswerView answer_view;
  DeliveryView delivery_view;
  std::unique_ptr<LogStore> store;
  rapidpro_emulator::Emulator emulator;
  net::BackgroundHttpServer server;
  RapidProConfig config;
  std::vector<std::chrono::milliseconds> sleeps;
  /// Called after each recorded sleep (a SIGTERM arriving during a backoff).
  std::function<void()> on_sleep;
  /// When set, services watch it (Node::stop_signal in `mhero run`).
  const StopSignal* stop = nullptr;
  /// When set, answers the requests it returns a response for instead of the emulator (replies
  /// of shapes the emulator never sends). Set before the first request.
  std::function<std::optional<net::HttpResponse>(const net::HttpRequest&)> intercept;

  static rapidpro_emulator::EmulatorOptions default_options() {
    rapidpro_emulator::EmulatorOptions o;
    o.flows = {{"11111111-2222-4333-8444-555555555555", "Stock survey"}};
    o.flow_answers = {{"stock", "12"}, {"expiry", "2027-01"}};
    o.retry_after_seconds = 7;
    return o;
  }

  explicit MessagingFixture(int bong = 5, int nimba = 4, rapidpro_emulator::EmulatorOptions o = default_options(),
                            net::HttpServerOptions http = {}, const std::string& extra_providers = "")
      : emulator(clock, std::move(o)),
        server(std::move(http), [this](const net::HttpRequest& r) {
          if (intercept) {
            if (auto answer = intercept(r)) return *answer;
          }
          return emulator.handle(r);
        }) {
    store = LogStore::open(dir / "db", clock, StoreOptions{{&registry_view, &message_view, &answer_view, &delivery_view}, nullptr, true, 1}).value();
    registry::PhoneNormalizer phones("LR");
    auto doc = registry::parse_csd_text(generated_csd(bong, nimba, extra_providers), "generated.xml", phones);
    if (!doc.ok()) throw std::runtime_error(doc.status().to_string());
    auto report = registry::import_records(*store, central, std::move(doc).value(), registry::ImportOptions{});
    if (!report.ok()) throw std::runtime_error(report.status().to_string());
    if (!server.start().ok()) throw std::runtime_error("emulator did not start");
    config.url = server.base_url();
    config.token = "emulator-token";
    config.timeout = std::chrono::seconds(10);
  }

  std::unique_ptr<MessagingService> service(DispatcherOptions options = {}, DeliveryPollerOptions delivery = {}) {
    auto made = std::make_unique<MessagingService>(
        *store, central, clock, config, std::make_unique<RegistryDirectory>(store->views()),
        [this](std::chrono::milliseconds d) {
          sleeps.push_back(d);
          clock.advance(d);
          if (on_sleep) on_sleep();
        },
        options, delivery);
    made->client().set_stop_signal(stop);
    return made;
  }

  /// Writes a message as `key` into `scope` (a district node's own feed, or national).
  std::string send(const NodeKey& key, const std::string& scope, MessageRecord m) {
    if (m.id.empty()) m.id = new_message_id();
    auto e = write_message(*store, key, scope, m);
    if (!e.ok()) throw std::runtime_error(e.status().to_string());
    return m.id;
  }

  static MessageRecord text_message(const std::string& text, MessageTarget target, bool urgent = false) {
    MessageRecord m;
    m.texts = {{"", text}};
    m.target = std::move(target);
    m.urgent = urgent;
    m.author = "test";
    return m;
  }

  MessageState state(const std::string& id) { return message_state(store->views(), id).value(); }
};

/// Points the node's config.toml at a RapidPro (the emulator at `url`, token "emulator-token"):
/// fills the empty url and token that `mhero init` writes under [rapidpro].
inline void point_at_rapidpro(const std::filesystem::path& config, const std::string& url) {
  std::ifstream in(config);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  auto at = s.find("[rapidpro]");
  REQUIRE(at != std::string::npos);
  s.replace(s.find("url = \"\"", at), 8, "url = \"" + url + "\"");
  s.replace(s.find("token = \"\"", at), 10, "token = \"emulator-token\"");
  std::ofstream(config) << s;
}

}  // namespace mhero::testing
