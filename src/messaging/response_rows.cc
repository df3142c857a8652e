#include "messaging/response_rows.h"

#include "integrations/rapidpro_time.h"

namespace mhero {

using json = nlohmann::json;

namespace {

std::string iso_or_empty(int64_t ms) { return ms == 0 ? "" : format_rapidpro_time(std::chrono::milliseconds(ms)); }

json values_json(const ResponseRecord& r) {
  json values = json::object();
  for (const auto& [k, v] : r.values) values[k] = v;
  return values;
}

}  // namespace

std::string csv_cell(std::string_view v) {
  std::string s(v);
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')) {
    s = "'" + s;
  }
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

const std::string& response_csv_header() {
  static const std::string header = "message_id,entity_id,district,answered_at,values,raw_text,source_id\n";
  return header;
}

std::string response_csv_row(const ResponseRecord& r) {
  std::string line;
  line.reserve(128);
  line += csv_cell(r.message_id) + "," + csv_cell(r.entity_id) + "," + csv_cell(r.district) + ",";
  line += iso_or_empty(r.answered_at_ms) + "," + csv_cell(values_json(r).dump()) + ",";
  line += csv_cell(r.raw_text) + "," + csv_cell(r.source_id) + "\n";
  return line;
}

json response_json(const ResponseRecord& r) {
  return {{"message_id", r.message_id}, {"entity_id", r.entity_id}, {"district", r.district},
          {"answered_at", iso_or_empty(r.answered_at_ms)}, {"values", values_json(r)},
          {"raw_text", r.raw_text}, {"source_id", r.source_id}};
}

std::string response_answer_text(const ResponseRecord& r) {
  if (r.values.empty()) return r.raw_text;
  std::string out;
  for (const auto& [k, v] : r.values) {
    if (!out.empty()) out += "; ";
    out += k + "=" + v;
  }
  return out;
}

}  // namespace mhero
