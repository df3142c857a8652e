// Registry corrections: proposing (every refusal), deciding (accept, reject, conflicts, already
// decided, superseded), ingest refusals of decisions, the overlay over the next import, the CSD
// export read back by our own parser, and provenance of imported and corrected records.
#include <catch2/catch.hpp>

#include <thread>

#include "fixture.h"
#include "node/admission.h"
#include "node/node.h"
#include "node/standard_views.h"
#include "registry/correction_desk.h"
#include "registry/correction_view.h"
#include "registry/csd_export.h"
#include "registry/csd_parser.h"
#include "registry/provenance.h"
#include "registry/registry_query.h"
#include "store/scope.h"

using namespace mhero;
using namespace mhero::registry;
using namespace mhero::testing;

namespace {

/// One store seen by the central node (key 1) and the BONG district node (key 2), with the
/// registry and corrections views and the node's admission rules.
struct Desk {
  TempDir dir;
  ManualClock clock;
  RegistryView registry_view;
  CorrectionView correction_view;
  NodeKey central = test_key(1);
  NodeKey district = test_key(2);
  EnrolledAdmission admission{central.id(), district.id(), "district/BONG"};
  std::unique_ptr<LogStore> store;
  NodeConfig central_config, district_config;
  Desk() {
    StoreOptions options;
    options.views = {&registry_view, &correction_view};
    options.admission = &admission;
    options.sync = false;
    auto s = LogStore::open(dir / "db", clock, options);
    if (!s.ok()) throw std::runtime_error(s.status().to_string());
    store = std::move(s).value();
    central_config.role = Role::central;
    central_config.central_key = central.id();
    district_config.role = Role::district;
    district_config.district = "BONG";
    district_config.central_key = central.id();
    clock.set(std::chrono::milliseconds(1'790'000'000'000));  // 2026, after every record/@updated.
    import(kFixtureCsd);
  }
  ImportReport import(const std::string& text) {
    clock.advance(std::chrono::seconds(1));
    auto path = write_file(dir, "Providers.xml", text);
    ImportOptions o;
    o.import_id = "test";
    auto r = import_csd_files(*store, central, {path}, kLiberia, o);
    INFO(r.status().to_string());
    REQUIRE(r.ok());
    return std::move(r).value();
  }
  Result<Correction> propose(Proposal p, bool from_central = false) {
    clock.advance(std::chrono::seconds(1));
    if (p.note.empty()) p.note = "confirmed by phone";
    return propose_correction(*store, from_central ? central : district, from_central ? central_config : district_config,
                              kLiberia, p);
  }
  Result<DecisionResult> decide(const std::string& id, bool accept, std::string comment = "", std::string confirm = "") {
    clock.advance(std::chrono::seconds(1));
    return decide_correction(*store, central, central_config, kLiberia, clock,
                             DecisionRequest{id, accept, std::move(comment), "ama", std::move(confirm)});
  }
  ProviderRecord provider(const std::string& id) {
    auto p = find_provider(store->views(), id);
    REQUIRE(p.ok());
    return *p;
  }
};

Proposal phone_change(const std::string& id, const std::string& phone) {
  Proposal p;
  p.entity_id = id;
  p.phones = {phone};
  p.user = "musu";
  return p;
}

}  // namespace

TEST_CASE("A district proposes a phone change of its own record, based on the version it holds", "[corrections]") {
  Desk d;
  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(c.ok());
  CHECK(c->state() == CorrectionState::proposed);
  CHECK(c->change.phones == std::vector<std::string>{"+231779999999"});
  CHECK(c->kind() == "phone");
  CHECK(c->district == "BONG");
  CHECK(c->proposer_user == "musu");
  CHECK(c->entry.feed.author == d.district.id());
  auto writer = record_writer(d.store->views(), RecordKind::provider, "p1");
  REQUIRE(writer.ok());
  REQUIRE(writer->has_value());
  CHECK(c->based_on == **writer);
  CHECK(c->based_on_updated == "2024-02-01T10:00:00+00:00");
}

TEST_CASE("Several fields change in one correction; a transfer out names the destination district", "[corrections]") {
  Desk d;
  Proposal p = phone_change("p1", "+231779999999");
  p.facility_id = "F2";  // Ganta Clinic, NIMBA.
  auto refused = d.propose(p);
  REQUIRE(refused.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(refused.status().message(), Catch::Contains("add --district NIMBA"));
  p.district = "NIMBA";
  p.status = "inactive";
  auto c = d.propose(p);
  REQUIRE(c.ok());
  CHECK(c->change.fields() == std::vector<std::string>{"phone", "facility", "district", "status"});
}

TEST_CASE("Proposals are refused with what to do: unknown entityID, another district, bad phone, unheld base",
          "[corrections]") {
  Desk d;
  uint64_t before = d.store->entry_count();
  auto unknown = d.propose(phone_change("nobody", "0779999999"));
  CHECK(unknown.status().code() == StatusCode::not_found);
  CHECK_THAT(unknown.status().message(), Catch::Contains("unknown entityID nobody"));
  auto other = d.propose(phone_change("p2", "0779999999"));  // NIMBA.
  CHECK(other.status().code() == StatusCode::permission_denied);
  CHECK_THAT(other.status().message(), Catch::Contains("district NIMBA") && Catch::Contains("only records of district BONG"));
  auto bad = d.propose(phone_change("p1", "12"));
  CHECK(bad.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(bad.status().message(), Catch::Contains("phone '12' is not a valid number"));
  Proposal base = phone_change("p1", "0779999999");
  base.based_on = EntryRef{FeedId{d.central.id(), "district/BONG"}, 99};
  auto unheld = d.propose(base);
  CHECK(unheld.status().code() == StatusCode::failed_precondition);
  CHECK_THAT(unheld.status().message(), Catch::Contains("never held"));
  Proposal none;
  none.entity_id = "p1";
  CHECK(d.propose(none).status().code() == StatusCode::invalid_argument);
  Proposal bad_status = phone_change("p1", "0779999999");
  bad_status.status = "retired";
  CHECK(d.propose(bad_status).status().code() == StatusCode::invalid_argument);
  CHECK(d.store->entry_count() == before);
}

TEST_CASE("A correction keeps only the fields that change; one that changes none is refused, naming them",
          "[corrections]") {
  Desk d;
  ProviderRecord p1 = d.provider("p1");
  std::string phone = field_value(p1, "phone");
  std::string district = field_value(p1, "district");
  REQUIRE(phone.starts_with("+231"));
  uint64_t before = d.store->entry_count();
  Proposal same = phone_change("p1", phone);
  same.district = district;
  auto refused = d.propose(same);
  REQUIRE(refused.status().code() == StatusCode::invalid_argument);
  CHECK(refused.status().message() ==
        "the correction changes nothing: provider p1 already has phone " + phone + ", district " + district +
            "; give the values that should change");
  CHECK(d.store->entry_count() == before);
  same.phones = {phone, "0" + phone.substr(4)};  // The current number twice, in two spellings.
  refused = d.propose(same);
  REQUIRE(refused.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(refused.status().message(), Catch::Contains("already has phone " + phone + ", district"));
  CHECK(d.store->entry_count() == before);

  // One field that does change: the correction carries it alone, so the queue shows one change and
  // a later correction of the phone or district is no conflict with this one.
  same.status = "inactive";
  auto c = d.propose(same);
  REQUIRE(c.ok());
  CHECK(c->change.fields() == std::vector<std::string>{"status"});
  CHECK(c->kind() == "status");
  CHECK(c->change.phones.empty());
  REQUIRE(d.decide(c->id, true).ok());
  REQUIRE(d.provider("p1").status == RecordStatus::inactive);

  // "left" is how a worker's record becomes inactive: the refusal says so.
  before = d.store->entry_count();
  Proposal left;
  left.entity_id = "p1";
  left.status = "left";
  auto again = d.propose(left);
  REQUIRE(again.status().code() == StatusCode::invalid_argument);
  CHECK(again.status().message() ==
        "the correction changes nothing: provider p1 already has status inactive (\"left\" makes a record inactive "
        "too); give the values that should change");
  CHECK(d.store->entry_count() == before);
}

TEST_CASE("The proposer is told what was left out and which open proposal the new one supersedes",
          "[corrections]") {
  Desk d;
  ProviderRecord p1 = d.provider("p1");
  REQUIRE(p1.status == RecordStatus::active);
  Proposal first;
  first.entity_id = "p1";
  first.status = "left";
  first.user = "musu";
  auto left = d.propose(first);
  REQUIRE(left.ok());
  Proposal second = phone_change("p1", "0779999999");
  second.status = "active";  // Held: left out, with no word of "left".
  second.cadre = "nurse";    // NURSE held: the same cadre in another case.
  ProposalNotes notes;
  d.clock.advance(std::chrono::seconds(1));
  second.note = "new number";
  auto c = propose_correction(*d.store, d.district, d.district_config, kLiberia, second, &notes);
  REQUIRE(c.ok());
  CHECK(c->change.fields() == std::vector<std::string>{"phone"});
  CHECK(notes.lines() ==
        std::vector<std::string>{"left out, the record already holds them: status active, cadre NURSE",
                                 "this supersedes correction " + left->id + " (status left), proposed by musu: it is "
                                 "no longer reviewed. If its changes still apply, propose them again together with "
                                 "this one's"});
  CHECK(find_correction(d.store->views(), left->id)->state() == CorrectionState::superseded);
  // "active" on an active record: refused without the explanation that belongs to "left".
  Proposal active;
  active.entity_id = "p1";
  active.status = "active";
  CHECK(d.propose(active).status().message() ==
        "the correction changes nothing: provider p1 already has status active; give the values that should change");
}

TEST_CASE("Refused: a landline, a district unknown here, control characters and an overlong note", "[corrections]") {
  Desk d;
  uint64_t before = d.store->entry_count();
  auto landline = d.propose(phone_change("p1", "+231 21 123 456"));
  REQUIRE(landline.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(landline.status().message(), Catch::Contains("a landline by the numbering plan of LR") &&
                                              Catch::Contains("an SMS cannot reach"));
  // A landline of another country is named by its own country's plan.
  CHECK_THAT(d.propose(phone_change("p1", "+44 20 7946 0000")).status().message(),
             Catch::Contains("a landline by the numbering plan of GB"));
  Proposal transfer;
  transfer.entity_id = "p1";
  transfer.district = "D09";
  auto unknown = d.propose(transfer, /*from_central=*/true);
  REQUIRE(unknown.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(unknown.status().message(), Catch::StartsWith("district D09 is not a district known here") &&
                                             Catch::Contains("(known: BONG, MARGIBI, NIMBA)"));
  Proposal escape = phone_change("p1", "0779999999");
  escape.note = "new \x1b[31mnumber";
  CHECK_THAT(d.propose(escape).status().message(),
             Catch::Equals("the note has a control character (U+001B at offset 4): type plain text"));
  for (const auto& [note, why] : std::vector<std::pair<std::string, std::string>>{
           {"bad \xff", "the note is not UTF-8 text (byte 0xFF at offset 4): set the terminal to UTF-8 and type it again as plain text"},
           {"over\xc0\xaflong", "the note is not UTF-8 text (byte 0xC0 at offset 4): set the terminal to UTF-8 and type it again as plain text"},
           {"next \xc2\x85line", "the note has a control character (U+0085 at offset 5): type plain text"},
           {"abc \xe2\x80\xae fed", "the note has a text direction override (U+202E at offset 4): type plain text"}}) {
    Proposal odd = phone_change("p1", "0779999999");
    odd.note = note;
    CHECK(d.propose(odd).status().message() == why);
  }
  Proposal odd_user = phone_change("p1", "0779999999");
  odd_user.user = "ama\nkollie";  // A name is one line.
  CHECK_THAT(d.propose(odd_user).status().message(), Catch::StartsWith("the proposer's name has a control character"));
  CHECK(d.store->entry_count() == before);  // No refusal wrote anything.
  Proposal accents = phone_change("p1", "0779999999");
  accents.note = "Ménsah confirmed by phone\n\tnew SIM";  // UTF-8 text and lines: fine.
  CHECK(d.propose(accents).ok());
  before = d.store->entry_count();
  Proposal lengthy = phone_change("p1", "0779999999");
  lengthy.note = std::string(2001, 'x');
  CHECK_THAT(d.propose(lengthy).status().message(), Catch::StartsWith("the note is 2001 bytes long: 2000 bytes at most"));
  CHECK(d.store->entry_count() == before);
  lengthy.note.pop_back();
  lengthy.phones = {"0778888888"};
  CHECK(d.propose(lengthy).ok());
  // A district node holds only its own district: its proposal is checked when it is decided.
  auto from_district = d.propose(transfer);
  REQUIRE(from_district.ok());
  auto refused = d.decide(from_district->id, true);
  REQUIRE(refused.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(refused.status().message(), Catch::StartsWith("district D09 is not a district known here") &&
                                             Catch::EndsWith("Check the district code, or reject the correction "
                                                             "with a comment"));
  transfer.district = "NIMBA";  // Known: a facility held is in it.
  CHECK(d.propose(transfer, /*from_central=*/true).ok());
}

TEST_CASE("Every value of a proposal and a decision is plain text: refused before it is looked up or written",
          "[corrections]") {
  Desk d;
  uint64_t before = d.store->entry_count();
  auto refusal = [&](Proposal p) { return d.propose(std::move(p)).status().message(); };
  Proposal cadre;
  cadre.entity_id = "p1";
  cadre.cadre = "RN\xff";
  CHECK(refusal(cadre) ==
        "the cadre code is not UTF-8 text (byte 0xFF at offset 2): set the terminal to UTF-8 and type it again as plain text");
  cadre.cadre = std::string(65, 'C');
  CHECK(refusal(cadre) == "the cadre code is 65 bytes long: 64 bytes at most");
  Proposal facility;
  facility.entity_id = "p1";
  facility.facility_id = "F\x1b[2J";
  CHECK(refusal(facility) == "the facility has a control character (U+001B at offset 1): type plain text");
  Proposal status;
  status.entity_id = "p1";
  status.status = "left\xc0";
  CHECK_THAT(refusal(status), Catch::StartsWith("the status is not UTF-8 text (byte 0xC0 at offset 4)"));
  // libphonenumber reads "x" as an empty extension and would drop it without a word.
  CHECK(refusal(phone_change("p1", "077-7777-777x")) ==
        "phone '077-7777-777x' has a letter ('x'), which is not part of a number: give the mobile number in digits "
        "alone, e.g. +231770123456");
  CHECK_THAT(refusal(phone_change("p1", "0777\xff")), Catch::StartsWith("the phone is not UTF-8 text"));
  // A number of another country is proposed, with a note to check it.
  ProposalNotes notes;
  auto abroad = propose_correction(*d.store, d.district, d.district_config, kLiberia,
                                   [] { auto p = phone_change("p1", "+232 76 123456"); p.note = "new SIM"; return p; }(),
                                   &notes);
  REQUIRE(abroad.ok());
  const std::vector<std::string> foreign{"+23276123456 is a number of SL, not LR (the registry's region): check it with "
                                         "the health worker (a SIM from across a border is possible, a mistyped "
                                         "country code too)"};
  CHECK(notes.foreign_phones == foreign);
  CHECK(notes.lines() == foreign);
  // The reviewer is told the same (console correction page, `corrections show`, `decide --accept`).
  CHECK(foreign_phone_notes(*abroad, kLiberia) == foreign);
  ProposalNotes home;
  REQUIRE(propose_correction(*d.store, d.district, d.district_config, kLiberia,
                             [] { auto p = phone_change("p1", "0779999998"); p.note = "new SIM"; return p; }(), &home)
              .ok());
  CHECK(home.foreign_phones.empty());
  CHECK(foreign_phone_notes(d.propose(phone_change("p1", "0779999997")).value(), kLiberia).empty());
  before = d.store->entry_count();
  // A worker this district node does not hold may be another district's.
  CHECK_THAT(refusal(phone_change("nobody", "0779999999")),
             Catch::StartsWith("unknown entityID nobody: no provider with this entityID is held on this node") &&
                 Catch::Contains("this district node holds only district ") &&
                 Catch::EndsWith("one of another district is corrected by that district's office or the central node"));
  CHECK(d.store->entry_count() == before);

  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(c.ok());
  before = d.store->entry_count();
  auto decide_as = [&](std::string reviewer, std::string comment) {
    return decide_correction(*d.store, d.central, d.central_config, kLiberia, d.clock,
                             DecisionRequest{c->id, true, std::move(comment), std::move(reviewer), ""});
  };
  CHECK(decide_as("ama\xff", "").status().message() ==
        "the reviewer's name is not UTF-8 text (byte 0xFF at offset 3): set the terminal to UTF-8 and type it again as "
        "plain text");
  CHECK_THAT(decide_as("ama", "ok \x1b]0;x\x07").status().message(),
             Catch::StartsWith("the comment has a control character (U+001B at offset 3)"));
  CHECK(d.store->entry_count() == before);
  CHECK(decide_as("ama", "checked with the\nfacility").ok());
}

TEST_CASE("A phone given twice is proposed once; a blank note is refused and a note is kept trimmed", "[corrections]") {
  Desk d;
  uint64_t before = d.store->entry_count();
  Proposal blank = phone_change("p1", "0779999999");
  blank.note = " \t ";
  auto refused = d.propose(blank);
  REQUIRE(refused.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(refused.status().message(), Catch::StartsWith("a correction needs a note saying why"));
  CHECK(d.store->entry_count() == before);

  Proposal twice = phone_change("p1", "0779999999");
  twice.phones.push_back("+231 779 999 999");
  twice.note = "  new number confirmed by phone\n";
  auto c = d.propose(twice);
  REQUIRE(c.ok());
  CHECK(c->change.phones == std::vector<std::string>{"+231779999999"});
  CHECK(c->note == "new number confirmed by phone");
}

TEST_CASE("A phone with an extension is refused; another worker's number is proposed and named", "[corrections]") {
  Desk d;
  uint64_t before = d.store->entry_count();
  auto extension = d.propose(phone_change("p1", "0779999999 ext 12"));
  REQUIRE(extension.status().code() == StatusCode::invalid_argument);
  CHECK(extension.status().message() ==
        "phone '0779999999 ext 12' has an extension (12), which an SMS cannot reach: give the health worker's mobile "
        "number alone");
  CHECK(d.store->entry_count() == before);

  ProviderRecord p2 = d.provider("p2");
  std::string theirs = field_value(p2, "phone");
  auto c = d.propose(phone_change("p1", theirs), /*from_central=*/true);
  REQUIRE(c.ok());
  auto notes = shared_phone_notes(d.store->views(), *c);
  REQUIRE(notes.ok());
  CHECK(*notes == std::vector<std::string>{theirs + " is also the number of " + p2.display_name() + " (p2, district " +
                                           p2.district + "): they would share one SMS per message"});
  auto own = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(own.ok());
  CHECK(shared_phone_notes(d.store->views(), *own)->empty());
}

TEST_CASE("An accepted correction changes the record in its district feed; a second decision is 'already decided'",
          "[corrections]") {
  Desk d;
  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(c.ok());
  auto accepted = d.decide(c->id, true);
  INFO(accepted.status().to_string());
  REQUIRE(accepted.ok());
  CHECK(accepted->correction.state() == CorrectionState::accepted);
  CHECK(accepted->delta_entries == 1);
  ProviderRecord p = d.provider("p1");
  CHECK(p.mobile_e164() == "+231779999999");
  CHECK(p.correction == c->id);
  CHECK(p.source_differs);
  auto writer = record_writer(d.store->views(), RecordKind::provider, "p1");
  CHECK((*writer)->feed == FeedId{d.central.id(), "district/BONG"});
  auto again = d.decide(c->id, false, "no");
  CHECK(again.status().code() == StatusCode::already_exists);
  CHECK_THAT(again.status().message(), Catch::Contains("already decided by ama"));
}

TEST_CASE("A rejection needs a comment, and the comment is the correction's state", "[corrections]") {
  Desk d;
  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(c.ok());
  CHECK(d.decide(c->id, false).status().code() == StatusCode::invalid_argument);
  CHECK_THAT(d.decide(c->id, false, "  \n\t ").status().message(), Catch::StartsWith("a rejection needs a comment"));
  auto r = d.decide(c->id, false, " This number belongs to another nurse\n");
  REQUIRE(r.ok());
  CHECK(r->correction.state() == CorrectionState::rejected);
  CHECK(r->correction.decision->comment == "This number belongs to another nurse");  // Kept trimmed.
  CHECK(d.provider("p1").mobile_e164() == "+231770123456");
  CHECK(d.decide("0000000000000000-1-BONG", true).status().code() == StatusCode::not_found);
}

TEST_CASE("Soft and hard conflicts need an explicit choice", "[corrections]") {
  Desk d;
  auto phone = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(phone.ok());
  SECTION("soft: another field changed since the base") {
    d.import(replace_once(kFixtureCsd, "<specialty code=\"MIDWIFERY\" codingScheme=\"urn:mhero:skill\"/>\n      <record updated=\"2024-02-01T10:00:00+00:00\" status=\"Active\"/>",
                     "<specialty code=\"MIDWIFERY\" codingScheme=\"urn:mhero:skill\"/>\n      <record updated=\"2024-03-01T10:00:00+00:00\" status=\"Inactive\"/>"));
    auto refused = d.decide(phone->id, true);
    CHECK(refused.status().code() == StatusCode::failed_precondition);
    CHECK_THAT(refused.status().message(), Catch::Contains("soft conflict") && Catch::Contains("status"));
    auto ok = d.decide(phone->id, true, "", "soft");
    REQUIRE(ok.ok());
    CHECK(ok->conflict.level == "soft");
    ProviderRecord p = d.provider("p1");
    CHECK(p.mobile_e164() == "+231779999999");
    CHECK(p.status == RecordStatus::inactive);  // The other change stays.
  }
  SECTION("hard: the same field changed since the base") {
    d.import(replace_once(kFixtureCsd, ">0770123456<", ">0775555555<"));
    auto refused = d.decide(phone->id, true, "", "soft");
    CHECK(refused.status().code() == StatusCode::failed_precondition);
    CHECK_THAT(refused.status().message(), Catch::Contains("hard conflict"));
    REQUIRE(d.decide(phone->id, true, "", "hard").ok());
    CHECK(d.provider("p1").mobile_e164() == "+231779999999");
  }
  SECTION("none: the source made the very change proposed since the base") {
    d.import(replace_once(kFixtureCsd, ">0770123456<", ">0779999999<"));
    auto agreed = d.decide(phone->id, true);
    REQUIRE(agreed.ok());
    CHECK(agreed->conflict.level.empty());
    CHECK(d.provider("p1").mobile_e164() == "+231779999999");
  }
}

TEST_CASE("A newer proposal from the same node supersedes an open one", "[corrections]") {
  Desk d;
  auto first = d.propose(phone_change("p1", "0779999999"));
  auto second = d.propose(phone_change("p1", "0778888888"));
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CorrectionFilter f;
  f.state = CorrectionState::superseded;
  auto list = list_corrections(d.store->views(), f);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  CHECK(list->front().id == first->id);
  CHECK(d.decide(first->id, true).status().code() == StatusCode::failed_precondition);
}

TEST_CASE("Ingest refuses a decision by a key that is not the central node; one for a correction not held waits",
          "[corrections]") {
  Desk d;
  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(c.ok());
  auto decision = [&](const NodeKey& key, uint64_t seq) {
    capnp::MallocMessageBuilder m;
    auto dec = m.initRoot<schema::Payload>().initCorrectionDecision();
    const auto& a = d.district.id().bytes;
    dec.setCorrectionAuthor(kj::arrayPtr(a.data(), a.size()));
    dec.setCorrectionScope("district/BONG");
    dec.setCorrectionSeq(seq);
    dec.setReviewer("mallory");
    return Entry::create(key, "district/BONG", d.store->head_seq(FeedId{key.id(), "district/BONG"}) + 1,
                         d.store->head_seq(FeedId{key.id(), "district/BONG"}) == 0
                             ? Hash256{}
                             : d.store->get(FeedId{key.id(), "district/BONG"}, d.store->head_seq(FeedId{key.id(), "district/BONG"}))->id(),
                         1, m.getRoot<schema::Payload>().asReader());
  };
  IngestResult by_district = d.store->ingest(std::vector<Entry>{decision(d.district, c->entry.seq)});
  CHECK(by_district.fault == IngestFault::not_allowed);
  CHECK_THAT(by_district.status.message(), Catch::Contains("only the central node"));
  IngestResult not_yet = d.store->ingest(std::vector<Entry>{decision(d.central, 42)});
  CHECK(not_yet.status.ok());
  CHECK(not_yet.added == 1);
  CHECK(find_correction(d.store->views(), c->id)->state() == CorrectionState::proposed);
}

TEST_CASE("A new server that receives the decision before the correction (central feeds first) shows it decided",
          "[corrections]") {
  Desk d;
  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(c.ok());
  REQUIRE(d.decide(c->id, false, "number unknown to the facility").ok());

  TempDir dir;
  RegistryView registry_view;
  CorrectionView correction_view;
  EnrolledAdmission admission{d.central.id(), d.district.id(), "district/BONG"};
  StoreOptions options;
  options.views = {&registry_view, &correction_view};
  options.admission = &admission;
  options.sync = false;
  auto fresh = LogStore::open(dir / "db", d.clock, options);
  REQUIRE(fresh.ok());
  const Frontier held_by_d = d.store->frontier();
  for (bool central_first : {true, false}) {
    for (const auto& [feed, head] : held_by_d.feeds()) {
      if ((feed.author == d.central.id()) != central_first) continue;
      std::vector<Entry> entries;
      for (uint64_t seq = 1; seq <= head; ++seq) entries.push_back(d.store->get(feed, seq).value());
      IngestResult r = (*fresh)->ingest(entries);
      INFO(feed.to_string() << ": " << r.status.to_string());
      REQUIRE(r.status.ok());
      CHECK(r.added == head);
      if (central_first) CHECK_FALSE(find_correction((*fresh)->views(), c->id).ok());  // Not held yet.
    }
  }
  auto held = find_correction((*fresh)->views(), c->id);
  REQUIRE(held.ok());
  CHECK(held->state() == CorrectionState::rejected);
  REQUIRE(held->decision);
  CHECK(held->decision->comment == "number unknown to the facility");
}

TEST_CASE("The next import with the old phone does not revert an accepted correction; agreement retires it",
          "[corrections]") {
  Desk d;
  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(c.ok());
  REQUIRE(d.decide(c->id, true).ok());
  ImportReport same = d.import(replace_once(kFixtureCsd, "Korto Flomo</commonName>", "Korto K. Flomo</commonName>"));
  CHECK(same.source_differs_ids == std::vector<std::string>{"p1"});
  ProviderRecord p = d.provider("p1");
  CHECK(p.mobile_e164() == "+231779999999");
  CHECK(p.source_differs);
  CHECK(p.common_names.front() == "Korto K. Flomo");  // Other fields follow the source.
  ImportReport agrees = d.import(replace_once(kFixtureCsd, ">0770123456<", ">0779999999<"));
  CHECK(agrees.overlays_retired == 1);
  p = d.provider("p1");
  CHECK(p.mobile_e164() == "+231779999999");
  CHECK_FALSE(p.source_differs);
  CHECK(p.correction.empty());
}

TEST_CASE("A source that edited the record after the decision wins, with a warning", "[corrections]") {
  Desk d;
  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(c.ok());
  REQUIRE(d.decide(c->id, true).ok());
  std::string later = replace_once(kFixtureCsd, ">0770123456<", ">0775555555<");
  later = replace_once(later, "<specialty code=\"MIDWIFERY\" codingScheme=\"urn:mhero:skill\"/>\n      <record updated=\"2024-02-01T10:00:00+00:00\"",
                  "<specialty code=\"MIDWIFERY\" codingScheme=\"urn:mhero:skill\"/>\n      <record updated=\"2030-01-01T00:00:00+00:00\"");
  ImportReport r = d.import(later);
  CHECK(r.overlays_retired == 1);
  bool warned = false;
  for (const auto& w : r.warnings) warned = warned || (w.entity_id == "p1" && w.reason.find(c->id) != std::string::npos);
  CHECK(warned);
  ProviderRecord p = d.provider("p1");
  CHECK(p.mobile_e164() == "+231775555555");
  CHECK_FALSE(p.source_differs);
}

TEST_CASE("The CSD export of accepted corrections parses with our own CSD parser", "[corrections]") {
  Desk d;
  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(c.ok());
  REQUIRE(d.decide(c->id, true).ok());
  auto items = accepted_since(*d.store, std::chrono::milliseconds(0));
  REQUIRE(items.ok());
  REQUIRE(items->size() == 1);
  auto doc = parse_csd_text(csd_document(*items), "export.xml", kLiberia);
  REQUIRE(doc.ok());
  REQUIRE(doc->providers.size() == 1);
  CHECK(doc->providers[0].entity_id == "p1");
  CHECK(doc->providers[0].mobile_e164() == "+231779999999");
  CHECK(doc->providers[0].facility_ids == std::vector<std::string>{"F1"});
  CHECK(doc->providers[0].updated == "2026-09-21T14:13:23+00:00");
  CHECK(doc->warnings.empty());
  std::string csv = corrections_csv(*items);
  CHECK_THAT(csv, Catch::Contains(c->id + ",p1,Korto Flomo,BONG,phone,+231770123456,+231779999999,ama,"));
  CHECK(accepted_since(*d.store, std::chrono::milliseconds(1'800'000'000'000))->empty());
}

TEST_CASE("Provenance names the file and its SHA-256, the carrying entry, and the correction", "[corrections]") {
  Desk d;
  auto chain = record_provenance(*d.store, d.district.id(), RecordKind::provider, "p1");
  REQUIRE(chain.ok());
  std::string all;
  for (const auto& s : *chain) all += s.step + ": " + s.text + "\n";
  INFO(all);
  CHECK_THAT(all, Catch::Contains("value from file Providers.xml sha256:"));
  CHECK_THAT(all, Catch::Contains("carried by registrySnapshot entry"));
  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(d.decide(c->id, true).ok());
  chain = record_provenance(*d.store, d.central.id(), RecordKind::provider, "p1");
  REQUIRE(chain.ok());
  REQUIRE(chain->size() >= 4);
  CHECK((*chain)[0].text == "written on this node");
  all.clear();
  for (const auto& s : *chain) all += s.step + ": " + s.text + "\n";
  CHECK_THAT(all, Catch::Contains("correction " + c->id + " accepted by ama"));
  CHECK_THAT(all, Catch::Contains("(musu)"));
}

TEST_CASE("Two reviewers deciding one correction at once: one decision, the other 'already decided'",
          "[corrections]") {
  Desk d;
  auto c = d.propose(phone_change("p1", "0779999999"));
  REQUIRE(c.ok());
  std::mutex job;  // What Node::exclusive(Job::registry) is for the console and CLI.
  std::vector<Status> results(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      std::lock_guard lock(job);
      results[i] = decide_correction(*d.store, d.central, d.central_config, kLiberia, d.clock,
                                     DecisionRequest{c->id, true, "", i == 0 ? "ama" : "kofi", ""})
                       .status();
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0, already = 0;
  for (const auto& s : results) {
    ok += s.ok();
    already += s.code() == StatusCode::already_exists;
  }
  CHECK(ok == 1);
  CHECK(already == 1);
  CHECK(d.store->head_seq(FeedId{d.central.id(), "district/BONG"}) == 3);  // Snapshot, delta, one decision.
}
