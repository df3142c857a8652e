// Channels (issue 20) end to end against the RapidPro emulator: contacts upserted with every urn
// in the preferred order, a message limited to channels sent to those urns only, exactly once
// across a crash, and the reach preview and delivery report per channel.
#include <catch2/catch.hpp>

#include <mutex>

#include "fixture.h"
#include "messaging/reach_preview.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

/// A BONG provider with contact points (code, value); codes "BP" (SMS), "whatsapp", "telegram"
/// (a channel's own name is read as that channel by every node).
std::string provider_with(const std::string& id, const std::vector<std::pair<std::string, std::string>>& points) {
  std::string x = "<provider entityID=\"" + id + "\"><codedType code=\"NURSE\" codingScheme=\"urn:mhero:cadre\"/>" +
                  "<demographic><name><forename>Worker</forename><surname>" + id + "</surname></name>";
  for (const auto& [code, value] : points) x += "<contactPoint><codedType code=\"" + code + "\">" + value + "</codedType></contactPoint>";
  return x + "</demographic><facilities><facility entityID=\"F-BONG\"/></facilities>" +
         "<record updated=\"2024-02-01T10:00:00+00:00\" status=\"Active\"/></provider>";
}

// BONG-0 and BONG-1: SMS only (the fixture's). BONG-wa: SMS and WhatsApp on one number. BONG-wo:
// WhatsApp only. BONG-tg: Telegram only.
std::string channel_workers() {
  return provider_with("BONG-wa", {{"BP", "+231770000101"}, {"whatsapp", "+231770000101"}}) +
         provider_with("BONG-wo", {{"whatsapp", "0770000102"}}) + provider_with("BONG-tg", {{"telegram", "4242"}});
}

/// Request bodies of every POST to `path`, recorded by the fixture's intercept.
struct Recorder {
  std::mutex mu;
  std::vector<nlohmann::json> bodies;
  void attach(MessagingFixture& f, std::string path) {
    f.intercept = [this, path](const net::HttpRequest& r) -> std::optional<net::HttpResponse> {
      if (r.method == "POST" && r.target.starts_with(path)) {
        std::lock_guard lock(mu);
        bodies.push_back(nlohmann::json::parse(r.body));
      }
      return std::nullopt;
    };
  }
};

}  // namespace

TEST_CASE("channels: contacts get every urn, the preferred first, and a send reaches each on its first", "[channels]") {
  MessagingFixture f(2, 0, MessagingFixture::default_options(), {}, channel_workers());
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("Stock count Monday", {{}, {"BONG"}, {}, {}, {}}));
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  MessageState s = f.state(id);
  CHECK(s.describe() == "dispatched 5/5");
  CHECK(f.emulator.contact_urns("tel:+231770000101") ==
        std::vector<std::string>{"tel:+231770000101", "whatsapp:231770000101"});
  CHECK(f.emulator.contact_urns("whatsapp:231770000102") == std::vector<std::string>{"whatsapp:231770000102"});
  // Sent to contacts: RapidPro uses each contact's first urn.
  CHECK(f.emulator.delivered_count("tel:+231770000101") == 1);
  CHECK(f.emulator.delivered_count("whatsapp:231770000101") == 0);
  CHECK(f.emulator.delivered_count("whatsapp:231770000102") == 1);
  CHECK(f.emulator.delivered_count("telegram:4242") == 1);
  CHECK(f.emulator.deliveries().size() == 5);
  REQUIRE(s.batches.size() == 1);
  CHECK(s.batches[0].urns.empty());

  // The delivery report counts per channel (the emulator's pattern: d f d e d).
  REQUIRE(service->run_once().ok());
  auto report = delivery_report(f.store->views(), id);
  REQUIRE(report.ok());
  REQUIRE(report->has_value());
  uint32_t by_channel_total = 0;
  for (const auto& [channel, counts] : (*report)->by_channel) {
    for (const auto& [status, n] : counts) by_channel_total += n;
  }
  CHECK(by_channel_total == 5);
  CHECK((*report)->by_channel.size() == 3);
  CHECK((*report)->by_channel.at("sms").size() >= 1);
  uint32_t whatsapp = 0;
  for (const auto& [status, n] : (*report)->by_channel.at("whatsapp")) whatsapp += n;
  CHECK(whatsapp == 1);
}

TEST_CASE("channels: --channel sms sends to tel urns only and leaves out workers without one", "[channels]") {
  MessagingFixture f(2, 0, MessagingFixture::default_options(), {}, channel_workers());
  Recorder posts;
  posts.attach(f, "/api/v2/broadcasts.json");
  MessageRecord m = MessagingFixture::text_message("Cholera alert: report cases today", {{}, {"BONG"}, {}, {}, {}}, true);
  m.channels = {"sms"};
  std::string id = f.send(f.central, "national", m);
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  MessageState s = f.state(id);
  CHECK(s.describe() == "dispatched 3/3");
  REQUIRE(posts.bodies.size() == 1);
  CHECK_FALSE(posts.bodies[0].contains("contacts"));
  CHECK(posts.bodies[0]["urns"] == nlohmann::json::array({"tel:" + worker_phone(0, 0), "tel:" + worker_phone(0, 1), "tel:+231770000101"}));
  CHECK(f.emulator.deliveries().size() == 3);
  CHECK(f.emulator.delivered_count("whatsapp:231770000102") == 0);
  CHECK(f.emulator.delivered_count("telegram:4242") == 0);
  REQUIRE(s.batches.size() == 1);
  CHECK(s.batches[0].urns.size() == 3);
  // The contact still carries its WhatsApp urn: a message limited to SMS strips nothing.
  CHECK(f.emulator.contact_urns("tel:+231770000101") ==
        std::vector<std::string>{"tel:+231770000101", "whatsapp:231770000101"});
}

TEST_CASE("channels: --channel whatsapp reaches a worker on WhatsApp although SMS is its first urn", "[channels]") {
  MessagingFixture f(2, 0, MessagingFixture::default_options(), {}, channel_workers());
  MessageRecord m = MessagingFixture::text_message("Training video link", {{}, {"BONG"}, {}, {}, {}});
  m.channels = {"whatsapp"};
  std::string id = f.send(f.central, "national", m);
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  CHECK(f.state(id).describe() == "dispatched 2/2");
  CHECK(f.emulator.delivered_count("whatsapp:231770000101") == 1);
  CHECK(f.emulator.delivered_count("tel:+231770000101") == 0);
  CHECK(f.emulator.delivered_count("whatsapp:231770000102") == 1);
  CHECK(f.emulator.deliveries().size() == 2);
}

TEST_CASE("channels: a send by urns killed at every step is delivered exactly once after restart", "[channels]") {
  const bool flow = GENERATE(false, true);
  for (size_t k = 1; k <= 4; ++k) {  // contacts, intent, post, outcome.
    MessagingFixture f(2, 0, MessagingFixture::default_options(), {}, channel_workers());
    MessageRecord m = MessagingFixture::text_message("exactly once by SMS", {{}, {"BONG"}, {}, {}, {}});
    if (flow) {
      m.texts.clear();
      m.flow_uuid = "11111111-2222-4333-8444-555555555555";
    }
    m.channels = {"sms"};
    std::string id = f.send(f.central, "national", m);
    size_t step = 0;
    {
      auto first = f.service();
      first->dispatcher().set_fault_hook([&](std::string_view) { return ++step == k; });
      CHECK(first->run_once().code() == StatusCode::aborted);
    }
    f.clock.advance(std::chrono::seconds(30));
    auto second = f.service();
    REQUIRE(second->run_once().ok());
    INFO((flow ? "flow" : "broadcast") << ": crash after step " << k);
    CHECK(f.emulator.deliveries().size() == 3);
    CHECK(f.emulator.duplicate_count() == 0);
    CHECK(f.emulator.delivered_count("tel:+231770000101") == 1);
    // After a crash past the post: found in RapidPro's listing, not sent again.
    CHECK(f.emulator.calls()[flow ? "POST /api/v2/flow_starts.json" : "POST /api/v2/broadcasts.json"] == 1);
    CHECK(f.state(id).describe() == "dispatched 3/3");
  }
}

TEST_CASE("channels: the reach preview counts workers per channel and SMS segments for SMS phones", "[channels]") {
  MessagingFixture f(2, 0, MessagingFixture::default_options(), {}, channel_workers());
  RegistryDirectory directory(f.store->views());
  MessageRecord m = MessagingFixture::text_message("Hello", {{}, {"BONG"}, {}, {}, {}});
  auto reach = directory.resolve(m.target);
  REQUIRE(reach.ok());
  ReachPreview p = preview_reach(*reach, m);
  CHECK(p.sharing.workers == 5);
  CHECK(p.by_channel == std::vector<std::pair<std::string, size_t>>{{"sms", 3}, {"whatsapp", 1}, {"telegram", 1}});
  CHECK(p.sms_phones == 3);
  CHECK(p.total_segments == 3);
  auto lines = preview_lines(p);
  REQUIRE(lines.size() >= 2);
  CHECK(lines[1] == "Channels: 3 by sms, 1 by whatsapp, 1 by telegram (workers).");
  CHECK(lines.back() == "Total: 3 SMS segments for 3 phones (WhatsApp and Telegram are not counted in segments).");

  auto sms_only = directory.resolve(m.target, {"sms"});
  REQUIRE(sms_only.ok());
  CHECK(sms_only->workers.size() == 3);
  CHECK(sms_only->excluded_no_channel == 2);
  auto unknown = directory.resolve(m.target, {"signal"});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message() == "unknown channel 'signal': use sms, whatsapp or telegram");

  // [rapidpro] channel_order puts WhatsApp first: the worker with both is reached on WhatsApp.
  RegistryDirectory whatsapp_first(f.store->views(), {registry::Channel::whatsapp, registry::Channel::sms});
  auto reordered = whatsapp_first.resolve(m.target);
  REQUIRE(reordered.ok());
  ReachPreview q = preview_reach(*reordered, m);
  CHECK(q.by_channel == std::vector<std::pair<std::string, size_t>>{{"sms", 2}, {"whatsapp", 2}, {"telegram", 1}});
}

TEST_CASE("channels: [rapidpro] channel_order is checked", "[channels]") {
  auto order = load_channel_order(toml::parse("[rapidpro]\nchannel_order = [\"whatsapp\", \"sms\"]\n"));
  REQUIRE(order.ok());
  CHECK(*order == std::vector<registry::Channel>{registry::Channel::whatsapp, registry::Channel::sms});
  auto twice = load_channel_order(toml::parse("[rapidpro]\nchannel_order = [\"sms\", \"sms\"]\n"));
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().message() == "config [rapidpro] channel_order item 2 'sms': named twice");
  auto wrong = load_channel_order(toml::parse("[rapidpro]\nchannel_order = [\"viber\"]\n"));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().message() == "config [rapidpro] channel_order item 1 'viber': not a channel (sms, whatsapp, telegram)");
}
