// `[log] format`: how `mhero run` writes its log lines to stderr (journald keeps them under the
// unit). "text" (default): "2026-12-02T10:00:00.123 info message". "json": one JSON object per
// line, for log shippers:
//
//   {"time":"2026-12-02T10:00:00.123Z","level":"warning","component":"rapidpro","message":"…"}
//
// `component` is the subsystem the line starts with ("rapidpro: 429 on …" → "rapidpro"; lines
// without such a prefix: "mhero"); `message` is the rest. Log lines never carry personal data
// (names, phone numbers): that is a rule for every log call, checked by the demo's log scan.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

#include "node/config.h"
#include "util/status.h"

namespace mhero::ops {

/// The spdlog formatter for "json" lines (time in UTC, millisecond precision).
std::unique_ptr<spdlog::formatter> json_log_formatter();

/// Reads [log] format and sets the formatter of the default logger's sinks present now (call it
/// before cli::install_client_log_sink: lines forwarded to a client's terminal stay text).
/// Errors: invalid_argument naming the value when it is neither "text" nor "json" (nothing
/// changes).
Status apply_log_format(const NodeConfig& config);

/// Splits "rapidpro: 429 on …" into {"rapidpro", "429 on …"}; {"mhero", line} when the line does
/// not start with a lower-case word (letters, digits, '-', '_', '.') followed by ": ".
std::pair<std::string_view, std::string_view> split_component(std::string_view line);

}  // namespace mhero::ops
