#include "integrations/dhis2_mapping.h"

#include <toml++/toml.h>

#include <cmath>
#include <cstdio>
#include <ctime>

namespace mhero::integrations {

Result<std::vector<Dhis2ValueRule>> load_dhis2_mapping(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return not_found("DHIS2 mapping file " + path.string() + " is not readable");
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    return invalid_argument(path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                            std::string(e.description()));
  }
  const toml::array* values = table["value"].as_array();
  if (!values || values->empty()) return invalid_argument(path.string() + ": no [[value]] table (flow result -> data element)");
  std::vector<Dhis2ValueRule> rules;
  size_t n = 0;
  for (const auto& node : *values) {
    ++n;
    std::string where = path.string() + ": [[value]] " + std::to_string(n);
    const toml::table* t = node.as_table();
    if (!t) return invalid_argument(where + " is not a table");
    for (const auto& [k, v] : *t) {
      std::string key(k.str());
      if (key != "flow" && key != "result" && key != "data_element" && key != "category_option_combo" &&
          key != "period" && key != "aggregation") {
        return invalid_argument(where + ": unknown key `" + key +
                                "` (flow, result, data_element, category_option_combo, period, aggregation)");
      }
      if (!v.is_string()) return invalid_argument(where + ": " + key + " is not a string");
    }
    Dhis2ValueRule r;
    auto get = [&](const char* key) { return (*t)[key].value_or(std::string()); };
    r.flow = get("flow");
    r.result = get("result");
    r.data_element = get("data_element");
    r.category_option_combo = get("category_option_combo");
    for (const char* required : {"flow", "result", "data_element"}) {
      if (get(required).empty()) return invalid_argument(where + ": " + required + " is not set");
    }
    std::string period = get("period").empty() ? "monthly" : get("period");
    if (period == "weekly") {
      r.period = Dhis2Period::weekly;
    } else if (period == "monthly") {
      r.period = Dhis2Period::monthly;
    } else {
      return invalid_argument(where + ": period '" + period + "' is not weekly or monthly");
    }
    std::string agg = get("aggregation").empty() ? "last" : get("aggregation");
    if (agg == "last") {
      r.aggregation = Dhis2Aggregation::last;
    } else if (agg == "sum") {
      r.aggregation = Dhis2Aggregation::sum;
    } else if (agg == "mean") {
      r.aggregation = Dhis2Aggregation::mean;
    } else {
      return invalid_argument(where + ": aggregation '" + agg + "' is not last, sum or mean");
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      if (rules[i].data_element == r.data_element && rules[i].category_option_combo == r.category_option_combo) {
        return invalid_argument(where + ": data_element " + r.data_element + " (" +
                                (r.category_option_combo.empty() ? std::string("default category option combo")
                                                                 : "category option combo " + r.category_option_combo) +
                                ") is already [[value]] " + std::to_string(i + 1) +
                                "'s; one data value cannot take two results");
      }
    }
    rules.push_back(std::move(r));
  }
  return rules;
}

std::string dhis2_period(Dhis2Period type, int64_t at_ms) {
  std::time_t secs = static_cast<std::time_t>(at_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  if (type == Dhis2Period::monthly) {
    std::snprintf(buf, sizeof buf, "%04d%02d", tm.tm_year + 1900, tm.tm_mon + 1);
  } else {
    std::strftime(buf, sizeof buf, "%GW%V", &tm);  // ISO 8601 week-based year and week.
    std::string s = buf;
    size_t w = s.find('W');
    if (w != std::string::npos && s[w + 1] == '0') s.erase(w + 1, 1);  // DHIS2 writes 2026W1.
    return s;
  }
  return buf;
}

std::optional<double> dhis2_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (*end || !std::isfinite(v)) return std::nullopt;
  for (char c : text) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+')) return std::nullopt;
  }
  return v;
}

std::string dhis2_number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

const char* to_string(Dhis2Aggregation a) {
  switch (a) {
    case Dhis2Aggregation::last: return "last";
    case Dhis2Aggregation::sum: return "sum";
    case Dhis2Aggregation::mean: return "mean";
  }
  return "?";
}

const char* to_string(Dhis2Period p) { return p == Dhis2Period::weekly ? "weekly" : "monthly"; }

}  // namespace mhero::integrations
