// ops/log_format.h: `[log] format = "json"` lines as a log shipper reads them.
#include "ops/log_format.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>

#include <fstream>
#include <iterator>

#include "node/node.h"
#include "support/temp_dir.h"

using namespace mhero;

namespace {

nlohmann::json format_json(spdlog::level::level_enum level, std::string_view text,
                           spdlog::log_clock::time_point at) {
  spdlog::details::log_msg msg(at, spdlog::source_loc{}, "mhero", level, text);
  spdlog::memory_buf_t out;
  ops::json_log_formatter()->format(msg, out);
  std::string line(out.data(), out.size());
  REQUIRE(line.back() == '\n');
  REQUIRE(line.find('\n') == line.size() - 1);  // One object per line.
  return nlohmann::json::parse(line);
}

}  // namespace

TEST_CASE("json log lines carry time, level, component and message", "[ops]") {
  auto at = spdlog::log_clock::time_point(std::chrono::milliseconds(1796212800123));  // 2026-12-02T12:00:00.123Z
  auto line = format_json(spdlog::level::warn, "rapidpro: 429 on GET runs.json, waiting 5 s", at);
  CHECK(line["time"] == "2026-12-02T12:00:00.123Z");
  CHECK(line["level"] == "warning");
  CHECK(line["component"] == "rapidpro");
  CHECK(line["message"] == "429 on GET runs.json, waiting 5 s");
  auto plain = format_json(spdlog::level::info, "mhero run: node 1a2b (central), 0 peer(s) to dial\n\"quoted\"", at);
  CHECK(plain["component"] == "mhero");
  CHECK(plain["message"] == "mhero run: node 1a2b (central), 0 peer(s) to dial\n\"quoted\"");
  auto bad = format_json(spdlog::level::err, std::string_view("bundle: file \xff.mhb"), at);
  CHECK(bad["component"] == "bundle");
  CHECK(bad["message"] == "file \xef\xbf\xbd.mhb");  // Invalid UTF-8 replaced, the line still valid JSON.
}

TEST_CASE("the component is a leading lower-case word followed by a colon and a space", "[ops]") {
  CHECK(ops::split_component("dispatch: 2 batches") == std::pair<std::string_view, std::string_view>{"dispatch", "2 batches"});
  CHECK(ops::split_component("Received SIGTERM: stopping").first == "mhero");
  CHECK(ops::split_component("http://x: y").first == "mhero");
  CHECK(ops::split_component("sync:").first == "mhero");
}

TEST_CASE("[log] format other than text or json is refused naming the value", "[ops]") {
  mhero::testing::TempDir dir;
  NodePaths paths{dir / "n"};
  REQUIRE(Node::init(paths, Role::central, "", std::nullopt).ok());
  std::ifstream in(paths.config());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = text.find("format = \"text\"");
  REQUIRE(at != std::string::npos);  // `mhero init` writes [log] format = "text".
  text.replace(at, 15, "format = \"xml\"");
  std::ofstream(paths.config()) << text;
  auto config = NodeConfig::load(paths.config());
  REQUIRE(config.ok());
  auto st = ops::apply_log_format(*config);
  CHECK(st.code() == StatusCode::invalid_argument);
  CHECK_THAT(st.message(), Catch::Contains("[log] format = \"xml\"") && Catch::Contains("\"json\""));
}
