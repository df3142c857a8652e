// How one response is written as a row: CSV (RFC 4180 quoting, with a leading ' before a cell
// starting = + - @ tab or CR so spreadsheets never run a health worker's text as a formula),
// JSON, and the one-line text of its answer. The ONE row writer of `mhero responses list` and the
// console's /responses.csv and /responses.json, so both give the same bytes for the same filters.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "messaging/message_codec.h"

namespace mhero {

/// "message_id,entity_id,district,answered_at,values,raw_text,source_id\n".
const std::string& response_csv_header();

/// One CSV line (ending "\n"): answered_at is RapidPro's ISO 8601 UTC form ("" when unknown),
/// values a JSON object {"result": "value"}.
std::string response_csv_row(const ResponseRecord& r);

/// {"message_id", "entity_id", "district", "answered_at", "values": {…}, "raw_text", "source_id"}.
nlohmann::json response_json(const ResponseRecord& r);

/// What the health worker answered, on one line: "stock=12; reason=late" for flow results, the
/// reply's text for a reply outside a flow ("" when neither).
std::string response_answer_text(const ResponseRecord& r);

/// One CSV cell, quoted as above.
std::string csv_cell(std::string_view value);

}  // namespace mhero
