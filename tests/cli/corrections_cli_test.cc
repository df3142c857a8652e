// `mhero registry correct` and `mhero registry corrections list|decide|export` as a user meets
// them: the refusals (exit code 1, what to do), the states a proposer sees after a bundle brings
// the central node's decision back, and provenance naming that bundle.
#include <catch2/catch.hpp>

#include <fstream>

#include "support/run_mhero.h"
#include "support/temp_dir.h"

using mhero::testing::run_mhero;
using mhero::testing::TempDir;
using Run = mhero::testing::CliRun;

namespace {

const char* kCsd = R"(<?xml version="1.0" encoding="UTF-8"?>
<CSD xmlns="urn:ihe:iti:csd:2013"><organizationDirectory/><serviceDirectory/>
  <facilityDirectory>
    <facility entityID="F-BONG"><otherID assigningAuthorityName="urn:mhero:district" code="BONG"/>
      <primaryName>Phebe</primaryName><record updated="2026-01-01T00:00:00+00:00" status="Active"/></facility>
    <facility entityID="F-NIMBA"><otherID assigningAuthorityName="urn:mhero:district" code="NIMBA"/>
      <primaryName>Ganta</primaryName><record updated="2026-01-01T00:00:00+00:00" status="Active"/></facility>
  </facilityDirectory>
  <providerDirectory>
    <provider entityID="b1"><demographic><name><commonName>Korto Flomo</commonName></name>
      <contactPoint><codedType code="BP">0770123456</codedType></contactPoint></demographic>
      <facilities><facility entityID="F-BONG"/></facilities><record updated="2026-01-01T00:00:00+00:00" status="Active"/></provider>
    <provider entityID="n1"><demographic><name><commonName>Musu Kollie</commonName></name>
      <contactPoint><codedType code="BP">0886123456</codedType></contactPoint></demographic>
      <facilities><facility entityID="F-NIMBA"/></facilities><record updated="2026-01-01T00:00:00+00:00" status="Active"/></provider>
  </providerDirectory></CSD>)";

}  // namespace

TEST_CASE("registry correct: refusals say what to do; the decision comes back by bundle", "[corrections]") {
  TempDir dir;
  std::string c = (dir / "central").string(), d = (dir / "bong").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  std::string central_id = run_mhero("id --dir " + c).out.substr(0, 64);
  REQUIRE(run_mhero("init --dir " + d + " --role district --district BONG --central-key " + central_id).code == 0);
  std::string bong_id = run_mhero("id --dir " + d).out.substr(0, 64);
  REQUIRE(run_mhero("enroll --dir " + c + " --district BONG --key " + bong_id).code == 0);
  std::ofstream(dir / "p.xml") << kCsd;
  REQUIRE(run_mhero("registry import-csd --dir " + c + " " + (dir / "p.xml").string()).code == 0);
  REQUIRE(run_mhero("bundle export --dir " + c + " --to " + bong_id + " --out " + (dir / "c2b.mhb").string()).code == 0);
  REQUIRE(run_mhero("bundle import --dir " + d + " " + (dir / "c2b.mhb").string()).code == 0);

  Run unknown = run_mhero("registry correct nobody --phone 0779999999 --note x --dir " + d);
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.out, Catch::Contains("unknown entityID nobody") && Catch::Contains("mhero registry list"));
  Run no_note = run_mhero("registry correct b1 --phone 0779999999 --dir " + d);
  CHECK(no_note.code != 0);
  Run bad_phone = run_mhero("registry correct b1 --phone 123 --note x --dir " + d);
  CHECK(bad_phone.code == 1);
  CHECK_THAT(bad_phone.out, Catch::Contains("phone '123' is not a valid number"));
  Run bad_base = run_mhero("registry correct b1 --phone 0779999999 --note x --based-on " + central_id +
                           "/district/BONG/77 --dir " + d);
  CHECK(bad_base.code == 1);
  CHECK_THAT(bad_base.out, Catch::Contains("never held"));
  Run transfer = run_mhero("registry correct b1 --facility F-NIMBA --note moved --dir " + d);
  CHECK(transfer.code == 1);
  CHECK_THAT(transfer.out, Catch::Contains("add --district NIMBA"));
  Run extension = run_mhero("registry correct b1 --phone '0779999999 ext 12' --note x --dir " + d);
  CHECK(extension.code == 1);
  CHECK_THAT(extension.out, Catch::Contains("phone '0779999999 ext 12' has an extension (12), which an SMS cannot reach"));
  Run same = run_mhero("registry correct b1 --phone 0770123456 --phone +231770123456 --note x --dir " + d);
  CHECK(same.code == 1);
  CHECK_THAT(same.out, Catch::Contains("the correction changes nothing: provider b1 already has phone +231770123456;"));
  Run no_cadre = run_mhero("registry correct b1 --cadre '' --note x --dir " + d);  // Given empty: refused, not ignored.
  CHECK(no_cadre.code == 1);
  CHECK_THAT(no_cadre.out, Catch::Contains("--cadre needs a cadre code"));
  Run blank = run_mhero("registry correct b1 --phone 0779999999 --note '   ' --dir " + d);
  CHECK(blank.code == 1);
  CHECK_THAT(blank.out, Catch::Contains("a correction needs a note saying why"));
  CHECK_THAT(run_mhero("registry corrections list --dir " + d).out, Catch::Contains("0 corrections"));
  Run decide_here = run_mhero("registry corrections decide x --accept --dir " + d);
  CHECK(decide_here.code == 1);
  CHECK_THAT(decide_here.out, Catch::Contains("central node only"));
  CHECK(run_mhero("registry corrections list --state maybe --dir " + d).code == 2);
  CHECK(run_mhero("registry corrections export --csd " + (dir / "x.xml").string() + " --dir " + c).code == 2);

  for (const std::string user : {"rapidpro run 1234", " rapidpro run 1", "RapidPro  Run 9"}) {
    Run reserved = run_mhero("registry correct b1 --phone 0779999999 --note x --user '" + user + "' --dir " + d);
    INFO(user);
    CHECK(reserved.code == 2);
    CHECK_THAT(reserved.out, Catch::Contains("are the validation flow's own"));
  }
  Run first = run_mhero("registry correct b1 --status left --note 'she left' --user musu --dir " + d);
  REQUIRE(first.code == 0);
  // The phone supersedes the status: the proposer is told, as of the district left out.
  Run proposed = run_mhero("registry correct b1 --phone 0779999999 --district BONG --note 'new number' --user musu --dir " + d);
  REQUIRE(proposed.code == 0);
  CHECK_THAT(proposed.out, Catch::Contains("note: left out, the record already holds them: district BONG."));
  CHECK_THAT(proposed.out, Catch::Contains("note: this supersedes correction ") &&
                               Catch::Contains(" (status left), proposed by musu: it is no longer reviewed."));
  std::string id = proposed.out.substr(proposed.out.find("correction ") + 11);
  id = id.substr(0, id.find(' '));
  CHECK_THAT(run_mhero("registry corrections list --dir " + d).out, Catch::Contains(id + "\tproposed\tb1\tBONG\tphone"));
  REQUIRE(run_mhero("bundle export --dir " + d + " --to central --out " + (dir / "b2c.mhb").string()).code == 0);
  REQUIRE(run_mhero("bundle import --dir " + c + " " + (dir / "b2c.mhb").string()).code == 0);
  Run accepted = run_mhero("registry corrections decide " + id + " --accept --reviewer ama --dir " + c);
  REQUIRE(accepted.code == 0);
  CHECK_THAT(accepted.out, Catch::Contains("accepted correction " + id));
  Run twice = run_mhero("registry corrections decide " + id + " --reject --comment no --dir " + c);
  CHECK(twice.code == 1);
  CHECK_THAT(twice.out, Catch::Contains("already decided by ama"));
  REQUIRE(run_mhero("bundle export --dir " + c + " --to " + bong_id + " --out " + (dir / "c2b-2.mhb").string()).code == 0);
  REQUIRE(run_mhero("bundle import --dir " + d + " " + (dir / "c2b-2.mhb").string()).code == 0);
  CHECK_THAT(run_mhero("registry corrections list --state accepted --dir " + d).out, Catch::Contains(id + "\taccepted"));
  Run shown = run_mhero("registry show b1 --provenance --dir " + d);
  REQUIRE(shown.code == 0);
  CHECK_THAT(shown.out, Catch::Contains("\"mobile\": \"+231779999999\""));
  CHECK_THAT(shown.out, Catch::Contains("in bundle ") && Catch::Contains("(file c2b-2.mhb), exported by node " +
                                                                          central_id.substr(0, 8)));
  CHECK_THAT(shown.out, Catch::Contains("correction " + id + " accepted by ama"));
  CHECK_THAT(shown.out, Catch::Contains("proposed by node " + bong_id.substr(0, 8) + " (musu)"));
  Run exported = run_mhero("registry corrections export --accepted --since 2020-01-01 --csd " +
                           (dir / "a.xml").string() + " --csv " + (dir / "a.csv").string() + " --dir " + c);
  REQUIRE(exported.code == 0);
  CHECK_THAT(exported.out, Catch::Contains("exported 1 accepted correction"));

  // Another worker's number is allowed (one SMS per phone) but named, in case it is a typo.
  Run shared = run_mhero("registry correct n1 --phone 0779999999 --note 'same phone as b1' --dir " + c);
  REQUIRE(shared.code == 0);
  CHECK_THAT(shared.out, Catch::Contains("note: +231779999999 is also the number of Korto Flomo (b1, district BONG): "
                                         "they would share one SMS per message"));
  std::string shared_id = shared.out.substr(shared.out.find("correction ") + 11);
  shared_id = shared_id.substr(0, shared_id.find(' '));
  Run show = run_mhero("registry corrections show " + shared_id + " --dir " + c);
  REQUIRE(show.code == 0);
  CHECK_THAT(show.out, Catch::Contains("\nproposed by "));
  CHECK_THAT(show.out, Catch::Contains("note: same phone as b1\nfield\tbase\tcurrent\tproposed\nphone\t"));
  CHECK_THAT(show.out, Catch::Contains("\t+231779999999\n"));
  CHECK_THAT(show.out, Catch::Contains("shared phone: +231779999999 is also the number of Korto Flomo (b1"));
  CHECK(run_mhero("registry corrections show nope --dir " + c).code == 1);
  Run odd = run_mhero("registry corrections decide " + shared_id + " --accept --confirm-conflict medium --dir " + c);
  CHECK(odd.code == 1);
  CHECK_THAT(odd.out, Catch::Contains("--confirm-conflict \"medium\" is not soft or hard"));
  Run accept_shared = run_mhero("registry corrections decide " + shared_id + " --accept --dir " + c);
  REQUIRE(accept_shared.code == 0);  // The reviewer hears it too.
  CHECK_THAT(accept_shared.out, Catch::Contains("note: +231779999999 is also the number of Korto Flomo"));
}
