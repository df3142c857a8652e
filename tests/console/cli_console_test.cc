// `mhero console user …` as a user runs it (the real binary, MHERO_BIN).
#include <catch2/catch.hpp>

#include <fstream>

#include "console/audit.h"
#include "console/user_store.h"
#include "node/standard_views.h"
#include "support/run_mhero.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

TEST_CASE("mhero console user add / list / passwd / disable, with --password-file; each audited") {
  TempDir dir;
  std::string d = (dir / "c").string();
  REQUIRE(run_mhero("init --dir " + d + " --role central").code == 0);
  std::ofstream(dir / "pw") << "a long password 1\n";
  std::ofstream(dir / "short") << "short\n";
  std::string pw = " --password-file " + (dir / "pw").string();
  auto add = run_mhero("console user add ama --role admin --dir " + d + pw);
  INFO(add.out);
  CHECK(add.code == 0);
  CHECK(add.out == "added console user ama (admin)\n");
  CHECK(run_mhero("console user add ama --role viewer --dir " + d + pw).out ==
        "mhero: already exists: a console user named 'ama' exists already\n");
  CHECK(run_mhero("console user add kofi --role boss --dir " + d + pw).code == 2);
  CHECK(run_mhero("console user add Kofi --role viewer --dir " + d + pw).code == 1);
  auto weak = run_mhero("console user add kofi --role viewer --dir " + d + " --password-file " + (dir / "short").string());
  CHECK(weak.out == "mhero: invalid argument: a password needs at least 10 characters\n");
  REQUIRE(run_mhero("console user add kofi --role viewer --dir " + d + pw).code == 0);
  CHECK(run_mhero("console user passwd kofi --dir " + d + pw).out == "new password set for kofi\n");
  CHECK(run_mhero("console user role kofi --role operator --dir " + d).out == "kofi is now operator\n");
  CHECK(run_mhero("console user role kofi --role boss --dir " + d).code == 2);
  CHECK(run_mhero("console user role nobody --role viewer --dir " + d).out ==
        "mhero: not found: no console user named 'nobody'\n");
  CHECK(run_mhero("console user disable kofi --dir " + d).out == "disabled kofi\n");
  CHECK(run_mhero("console user disable nobody --dir " + d).code == 1);
  auto list = run_mhero("console user list --dir " + d);
  CHECK(list.out.find("ama  admin  active  created ") == 0);
  CHECK(list.out.find("\nkofi  operator  disabled  created ") != std::string::npos);

  ManualClock clock;
  auto views = make_standard_views();
  std::vector<View*> raw;
  for (auto& v : views) raw.push_back(v.get());
  auto node = Node::open(NodePaths{d}, clock, raw);
  REQUIRE(node.ok());
  auto user = console::UserStore((*node)->store(), clock).find("kofi").value();
  REQUIRE(user);
  CHECK(user->disabled);
  CHECK(user->password_hash.starts_with("$argon2id$v=19$m=65536,t=2,p=1$"));
  std::vector<std::string> actions;
  Status s = console::scan_audit((*node)->store().views(), {}, "", [&](const console::AuditRecord& r, auto) {
    actions.push_back(r.action + " " + r.object + " " + r.outcome.substr(0, 7));
    CHECK(r.client_address.starts_with("cli:"));
    return true;
  });
  REQUIRE(s.ok());
  CHECK(actions == std::vector<std::string>{"user.disable nobody refused", "user.disable kofi ok",
                                            "user.role nobody -> viewer refused", "user.role kofi -> operator ok",
                                            "user.passwd kofi ok", "user.add kofi ok", "user.add kofi refused",
                                            "user.add ama refused", "user.add ama ok"});
}
