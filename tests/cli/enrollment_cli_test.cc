// `mhero enroll` is idempotent for the same district and refuses another one; a district node
// that has not (yet) seen its own enrollment is warned when it writes, and the write goes ahead.
#include <catch2/catch.hpp>

#include "support/run_mhero.h"
#include "support/temp_dir.h"

using mhero::testing::run_mhero;
using mhero::testing::TempDir;

namespace {

struct TwoNodes {
  TempDir dir;
  std::string c = (dir / "central").string(), d = (dir / "bong").string();
  std::string central_id, district_id;
  TwoNodes() {
    REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
    central_id = run_mhero("id --dir " + c).out.substr(0, 64);
    REQUIRE(run_mhero("init --dir " + d + " --role district --district BONG --central-key " + central_id).code == 0);
    district_id = run_mhero("id --dir " + d).out.substr(0, 64);
  }
  std::string not_enrolled_warning() const {
    return "mhero: warning: this district node (" + district_id +
           ") has no enrollment of its key in its store: the central node will refuse its entries until central "
           "runs `mhero enroll --key " + district_id + " --district BONG`; then sync with central (`mhero run`, "
           "`mhero sync --peer HOST:PORT`) or import a bundle from central (`mhero bundle import`) so this node "
           "learns it.";
  }
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("mhero enroll of an enrolled key: same district writes nothing, another district is refused") {
  TwoNodes n;
  auto first = run_mhero("enroll --dir " + n.c + " --district BONG --key " + n.district_id);
  REQUIRE(first.code == 0);
  CHECK(first.out == "enrolled " + n.district_id + " for district/BONG\n");

  auto again = run_mhero("enroll --dir " + n.c + " --district BONG --key " + n.district_id);
  CHECK(again.code == 0);
  std::string head = n.district_id + " is already enrolled (district BONG since ";
  CHECK(again.out.substr(0, head.size()) == head);
  CHECK(again.out.size() == head.size() + std::string("2026-11-30T16:50:00Z); nothing written\n").size());
  CHECK(again.out.ends_with("Z); nothing written\n"));

  auto other = run_mhero("enroll --dir " + n.c + " --district LOFA --key " + n.district_id);
  CHECK(other.code == 1);
  CHECK(other.out == "mhero: already exists: key " + n.district_id +
                         " is already enrolled for district BONG; to give it another district, revoke it first "
                         "(`mhero revoke --key " + n.district_id +
                         "`): revocation is final, so that node then makes a new key (`mhero init` in a new "
                         "directory) to be enrolled for LOFA\n");

  // One enrollment entry in national, whatever was asked.
  auto show = run_mhero("log show --dir " + n.c + " --feed national");
  CHECK(count(show.out, "  seq ") == 1);
}

TEST_CASE("a district that has not seen its enrollment is warned on log append and send; the write goes ahead") {
  TwoNodes n;
  auto append = run_mhero("log append --dir " + n.d + " --note 'offline work'");
  CHECK(append.code == 0);
  CHECK_THAT(append.out, Catch::Contains(n.not_enrolled_warning() + " The entry was written here anyway.\n"));
  CHECK_THAT(append.out, Catch::Contains("appended " + n.district_id.substr(0, 8)));

  auto send = run_mhero("send --dir " + n.d + " --text 'meeting at 9' --district BONG --yes");
  CHECK(send.code == 0);
  CHECK_THAT(send.out, Catch::Contains(n.not_enrolled_warning() +
                                       " The message was written here anyway.\n"));
  CHECK_THAT(send.out, Catch::Contains("written to district/BONG seq 2"));
  CHECK_THAT(send.out, Catch::Contains("holds no registry yet: the central node resolves the target"));

  // A write that is refused is not followed by the warning that it was written.
  auto refused = run_mhero("log append --dir " + n.d + " --scope national --note x");
  CHECK(refused.code == 1);
  CHECK(refused.out.find("warning") == std::string::npos);
  CHECK_THAT(refused.out, Catch::Contains("permission denied"));

  // Once central enrolled it and the district received that entry, the warning is gone.
  REQUIRE(run_mhero("enroll --dir " + n.c + " --district BONG --key " + n.district_id).code == 0);
  std::string raw = (n.dir / "central.raw").string();
  REQUIRE(run_mhero("log export-raw --dir " + n.c + " --out " + raw).code == 0);
  REQUIRE(run_mhero("log import-raw --dir " + n.d + " " + raw).code == 0);
  auto after = run_mhero("log append --dir " + n.d + " --note 'enrolled now'");
  CHECK(after.code == 0);
  CHECK(after.out.find("warning") == std::string::npos);

  // The central node is never warned.
  auto central = run_mhero("log append --dir " + n.c + " --note 'national note'");
  CHECK(central.out.find("warning") == std::string::npos);
}
