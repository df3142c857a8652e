#include <catch2/catch.hpp>

#include <fstream>

#include "store/raw_file.h"
#include "support/entries.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

TEST_CASE("raw export and import move a log; a truncated file is refused whole") {
  TempDir dir;
  ManualClock clock;
  auto a = LogStore::open(dir / "a", clock);
  REQUIRE(a.ok());
  for (int i = 0; i < 10; ++i) append_note(**a, test_key(1), "national", "n" + std::to_string(i));
  auto cursor = (*a)->entries_after(Frontier{});
  auto written = write_raw_file(dir / "log.raw", *cursor);
  REQUIRE(written.ok());
  CHECK(*written == 10);
  CHECK(std::filesystem::status(dir / "log.raw").permissions() ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  auto entries = read_raw_file(dir / "log.raw");
  REQUIRE(entries.ok());
  CHECK(entries->size() == 10);

  std::string bytes;
  {
    std::ifstream in(dir / "log.raw", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  {
    std::ofstream out(dir / "cut.raw", std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 5));
  }
  auto cut = read_raw_file(dir / "cut.raw");
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.status().code() == StatusCode::corruption);
  CHECK_THAT(cut.status().message(), Catch::Contains("cut.raw entry 10") && Catch::Contains("truncated"));

  {
    std::ofstream out(dir / "junk.raw", std::ios::binary);
    out << "<html>not a log</html>";
  }
  CHECK_THAT(read_raw_file(dir / "junk.raw").status().message(), Catch::Contains("bad magic"));
}
