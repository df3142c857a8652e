// Validation flows (messaging/validation.h): health workers' own answers, polled from the RapidPro
// emulator over loopback HTTP, propose registry corrections on their behalf; bad answers are
// refused proposals; a run polled again never proposes twice; an accepted one moves targeting.
#include <catch2/catch.hpp>

#include "fixture.h"
#include "node/config_keys.h"
#include "registry/correction_desk.h"
#include "registry/correction_query.h"
#include "registry/correction_view.h"
#include "registry/registry_query.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kValidationFlow = "99999999-2222-4333-8444-555555555555";

rapidpro_emulator::EmulatorOptions with_validation_flow() {
  auto o = MessagingFixture::default_options();
  o.flows[kValidationFlow] = "Validate your details";
  return o;
}

struct ValidationFixture {
  MessagingFixture f;
  registry::CorrectionView correction_view;
  NodeConfig central;
  std::unique_ptr<MessagingService> service;

  explicit ValidationFixture(const std::string& extra_providers = "")
      : f(4, 2, with_validation_flow(), {}, extra_providers) {
    // The same store reopened with the corrections view too (built from the feeds at open).
    f.store.reset();
    f.store = LogStore::open(f.dir / "db", f.clock,
                             StoreOptions{{&f.registry_view, &f.message_view, &f.answer_view, &f.delivery_view,
                                           &correction_view},
                                          nullptr, true, 1})
                  .value();
    central.role = Role::central;
    central.central_key = f.central.id();
    service = f.service();
    ValidationConfig v;
    v.flows = {"validate your details"};  // By name, case-insensitive.
    service->enable_validation(central, "LR", v);
  }
  ~ValidationFixture() {
    service.reset();
    f.store.reset();  // Before correction_view goes.
  }
  /// Starts the validation flow for `ids`, lets the workers answer, polls.
  void run_flow(const std::vector<std::string>& ids) {
    MessageRecord m;
    m.flow_uuid = kValidationFlow;
    m.target.entity_ids = ids;
    f.send(f.central, "national", m);
    REQUIRE(service->run_once().ok());
    f.clock.advance(6min);
    REQUIRE(service->run_once().ok());
  }
  std::vector<registry::Correction> corrections() {
    auto list = registry::list_corrections(f.store->views(), {});
    REQUIRE(list.ok());
    return *list;
  }
};

}  // namespace

TEST_CASE("validation: phone_changed + a new number becomes one correction proposed on the worker's behalf",
          "[validation]") {
  ValidationFixture v;
  v.f.emulator.answer_as("tel:" + worker_phone(0, 1), {{"phone_changed", "yes"}, {"new_phone", "0886123456"}});
  v.f.emulator.answer_as("tel:" + worker_phone(0, 2), {{"phone_changed", "Yes"}, {"new_phone", "12"}});
  v.f.emulator.answer_as("tel:" + worker_phone(0, 3), {{"phone_changed", "no"}, {"new_phone", ""}});
  v.f.emulator.answer_as("tel:" + worker_phone(0, 0), {{"phone_changed", "no"}, {"left_post", "yes"}});
  v.f.emulator.answer_as("tel:" + worker_phone(1, 1), {{"phone_changed", "yes"}});
  auto writer = registry::record_writer(v.f.store->views(), registry::RecordKind::provider, "BONG-1");
  REQUIRE(writer.ok());
  REQUIRE(*writer);
  v.run_flow({"BONG-0", "BONG-1", "BONG-2", "BONG-3", "NIMBA-1"});

  const ValidationStats& stats = v.service->poller().validation_stats();
  CHECK(stats.proposed == 2);
  CHECK(stats.refused == 2);
  CHECK(stats.unchanged == 1);
  CHECK(v.service->last_poll().written == 5);  // Every answer is still a response.

  auto list = v.corrections();
  REQUIRE(list.size() == 2);
  const registry::Correction* phone = nullptr;
  const registry::Correction* left = nullptr;
  for (const auto& c : list) (c.entity_id == "BONG-1" ? phone : left) = &c;
  REQUIRE(phone);
  REQUIRE(left);
  CHECK(phone->by_worker);
  CHECK(phone->proposer_user.starts_with("rapidpro run "));
  CHECK(phone->change.phones == std::vector<std::string>{"+231886123456"});
  CHECK(phone->change.fields() == std::vector<std::string>{"phone"});
  CHECK(phone->district == "BONG");
  CHECK(phone->entry.feed.scope == "district/BONG");      // The worker's district feed: BONG learns it.
  CHECK(phone->entry.feed.author == v.f.central.id());    // Written by the central node that polled.
  CHECK(phone->based_on == **writer);                     // The version the central node held.
  CHECK(phone->state() == registry::CorrectionState::proposed);
  CHECK(phone->note.find("Validate your details") != std::string::npos);
  CHECK(phone->note.find("new_phone=0886123456") != std::string::npos);
  CHECK(left->entity_id == "BONG-0");
  CHECK(left->by_worker);
  CHECK(left->change.status == std::optional<std::string>("left"));
  CHECK(left->change.phones.empty());

  auto refused = refused_proposals(*v.f.store);
  REQUIRE(refused.ok());
  REQUIRE(refused->size() == 2);
  std::map<std::string, RefusedProposal> by_entity;
  for (auto& r : *refused) by_entity[r.entity_id] = r;
  REQUIRE(by_entity.count("BONG-2"));
  CHECK(by_entity["BONG-2"].district == "BONG");
  CHECK(by_entity["BONG-2"].reason.find("phone '12' is not a valid number") != std::string::npos);
  CHECK(by_entity["BONG-2"].answer.find("new_phone=12") != std::string::npos);
  CHECK(by_entity["BONG-2"].flow == "Validate your details");
  REQUIRE(by_entity.count("NIMBA-1"));
  CHECK(by_entity["NIMBA-1"].district == "NIMBA");
  CHECK(by_entity["NIMBA-1"].reason.find("gave no new number (new_phone)") != std::string::npos);

  // Polled again from the start (a lost cursor): the same runs propose and refuse nothing new.
  REQUIRE(v.f.store->put_meta("rapidpro/runs_after", "2000-01-01T00:00:00.000000Z").ok());
  REQUIRE(v.service->run_once().ok());
  CHECK(v.service->poller().validation_stats().proposed == 0);
  CHECK(v.service->poller().validation_stats().refused == 0);
  CHECK(v.service->poller().validation_stats().already == 4);
  CHECK(v.corrections().size() == 2);
  CHECK(refused_proposals(*v.f.store)->size() == 2);

  // Accepted at the centre: targeting uses the worker's new number at once.
  auto decided = registry::decide_correction(*v.f.store, v.f.central, v.central, registry::PhoneNormalizer("LR"),
                                             v.f.clock, {phone->id, true, "", "ama", ""});
  INFO(decided.status().to_string());
  REQUIRE(decided.ok());
  CHECK(registry::find_provider(v.f.store->views(), "BONG-1")->phones.front().e164 == "+231886123456");
  v.f.send(v.f.central, "national", MessagingFixture::text_message("Team meeting Monday", {{}, {}, {}, {}, {"BONG-1"}}));
  REQUIRE(v.service->run_once().ok());
  CHECK(v.f.emulator.delivered_count("tel:+231886123456") == 1);
  CHECK(v.f.emulator.delivered_count("tel:" + worker_phone(0, 1)) == 1);  // Only the validation flow.
}

TEST_CASE("validation: other flows, unconfigured nodes and unfinished runs propose nothing", "[validation]") {
  ValidationFixture v;
  // The stock survey (not a validation flow) with a phone-like answer.
  v.f.emulator.answer_as("tel:" + worker_phone(0, 1), {{"phone_changed", "yes"}, {"new_phone", "0886123456"}});
  MessageRecord m;
  m.flow_uuid = "11111111-2222-4333-8444-555555555555";
  m.target.entity_ids = {"BONG-1"};
  v.f.send(v.f.central, "national", m);
  REQUIRE(v.service->run_once().ok());
  v.f.clock.advance(6min);
  REQUIRE(v.service->run_once().ok());
  CHECK(v.service->last_poll().written == 1);
  CHECK(v.corrections().empty());

  // A run of the validation flow that was interrupted, or is still active: nothing yet.
  ValidationConfig config;
  config.flows = {kValidationFlow};
  ValidationProposer proposer(*v.f.store, v.f.central, v.central, v.f.clock, "LR", config);
  nlohmann::json run = {{"uuid", "0b6ed5cb-4b9f-422d-a53d-83965f93ff40"},
                        {"flow", {{"uuid", kValidationFlow}, {"name", "Validate your details"}}},
                        {"values", {{"phone_changed", {{"value", "yes"}, {"category", "Yes"}}},
                                    {"new_phone", {{"value", "0886123456"}, {"category", "All Responses"}}}}},
                        {"exit_type", "interrupted"}};
  ValidationStats stats;
  REQUIRE(proposer.consider(run, {"BONG-1"}, stats).ok());
  run["exit_type"] = nullptr;
  REQUIRE(proposer.consider(run, {"BONG-1"}, stats).ok());
  CHECK(stats.proposed + stats.refused + stats.unchanged + stats.already == 0);
  CHECK(v.corrections().empty());
  // Completed: proposed once; the category "Yes" counts as yes.
  run["exit_type"] = "completed";
  REQUIRE(proposer.consider(run, {"BONG-1"}, stats).ok());
  REQUIRE(proposer.consider(run, {"BONG-1"}, stats).ok());
  CHECK(stats.proposed == 1);
  CHECK(stats.already == 1);
  // The same number the registry holds: confirmed, no correction.
  run["uuid"] = "1b6ed5cb-4b9f-422d-a53d-83965f93ff40";
  run["values"]["new_phone"]["value"] = worker_phone(0, 2);
  REQUIRE(proposer.consider(run, {"BONG-2"}, stats).ok());
  CHECK(stats.unchanged == 1);
  // A worker the registry does not hold: refused, not a crash.
  run["uuid"] = "2b6ed5cb-4b9f-422d-a53d-83965f93ff40";
  run["values"]["new_phone"]["value"] = "0886123457";
  REQUIRE(proposer.consider(run, {"GONE-1"}, stats).ok());
  CHECK(stats.refused == 1);
  CHECK(refused_proposals(*v.f.store)->front().reason.find("unknown entityID GONE-1") != std::string::npos);
  CHECK(v.corrections().size() == 1);
}

TEST_CASE("validation: an answer from a phone several workers share is refused, naming why", "[validation]") {
  ValidationFixture v(shared_phone_provider("BONG-twin", "BONG", "NURSE", worker_phone(0, 3)));
  v.f.emulator.answer_as("tel:" + worker_phone(0, 3), {{"phone_changed", "yes"}, {"new_phone", "0886123456"}});
  v.run_flow({"BONG-3"});
  CHECK(v.corrections().empty());
  auto refused = refused_proposals(*v.f.store);
  REQUIRE(refused->size() == 1);
  CHECK(refused->front().reason.find("shared by 2 health workers") != std::string::npos);
  CHECK(refused->front().entity_id.find("BONG-twin") != std::string::npos);
}

TEST_CASE("validation: [validation] config is read, with defaults, and refuses what cannot work", "[validation]") {
  auto table = toml::parse("[validation]\nflows = [\"Validate your details\", \"" + std::string(kValidationFlow) +
                           "\"]\nnew_phone_key = \"phone_new\"\n");
  auto c = load_validation_config(table);
  REQUIRE(c.ok());
  CHECK(c->flows.size() == 2);
  CHECK(c->new_phone_key == "phone_new");
  CHECK(c->phone_changed_key == "phone_changed");
  CHECK(c->left_post_key == "left_post");
  CHECK(c->matches({{"uuid", kValidationFlow}, {"name", "x"}}));
  CHECK(c->matches({{"uuid", "other"}, {"name", "VALIDATE YOUR DETAILS"}}));
  CHECK_FALSE(c->matches({{"uuid", "other"}, {"name", "Stock survey"}}));
  CHECK(load_validation_config(toml::parse(""))->flows.empty());  // Off by default.
  auto empty_flow = load_validation_config(toml::parse("[validation]\nflows = [\"\"]\n"));
  CHECK(empty_flow.status().code() == StatusCode::invalid_argument);
  CHECK(empty_flow.status().message().find("[validation] flows") != std::string::npos);
  auto nothing = load_validation_config(
      toml::parse("[validation]\nflows = [\"x\"]\nnew_phone_key = \"\"\nleft_post_key = \"\"\n"));
  CHECK(nothing.status().code() == StatusCode::invalid_argument);
  CHECK(find_config_key("validation", "flows") != nullptr);
}
