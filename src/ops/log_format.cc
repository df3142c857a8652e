#include "ops/log_format.h"

#include <nlohmann/json.hpp>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

namespace mhero::ops {

namespace {

const char* level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warning";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "info";
  }
}

std::string utc_time(spdlog::log_clock::time_point at) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];  // Room for any int the compiler can imagine; 24 bytes are written.
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    auto [component, message] = split_component(text);
    nlohmann::json line{{"time", utc_time(msg.time)},
                        {"level", level_name(msg.level)},
                        {"component", component},
                        {"message", message}};
    // Invalid UTF-8 (bytes from a file name, say) is replaced rather than failing the log call.
    std::string out = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::pair<std::string_view, std::string_view> split_component(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 32) {
    char c = line[i];
    bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!word) break;
    ++i;
  }
  if (i > 0 && i + 1 < line.size() && line[i] == ':' && line[i + 1] == ' ') {
    return {line.substr(0, i), line.substr(i + 2)};
  }
  return {"mhero", line};
}

std::unique_ptr<spdlog::formatter> json_log_formatter() { return std::make_unique<JsonFormatter>(); }

Status apply_log_format(const NodeConfig& config) {
  std::string format = string_or(config.table, "log", "format", "text");
  if (format == "text") return {};  // cli/main.cc set the text pattern.
  if (format != "json") {
    return invalid_argument("[log] format = \"" + format + "\" in config.toml: use \"text\" or \"json\"");
  }
  // The sinks present now: stderr (journald). The client sink `mhero run` adds afterwards keeps
  // text: a person reads those lines at a terminal.
  for (auto& sink : spdlog::default_logger()->sinks()) sink->set_formatter(json_log_formatter());
  return {};
}

}  // namespace mhero::ops
