// The DHIS2 emulator's data value import and listing (dhis2_emulator.h): dhis2-core 2.41
// DefaultDataValueSetService.importDataValueSet, DataValueSetImportValidator, ImportConflict
// and WebMessageUtils.importSummary, in the JSON the server writes.
#include <algorithm>
#include <regex>

#include "dhis2_emulator.h"

namespace mhero::dhis2_emulator {

using nlohmann::json;

namespace {

bool valid_period(const std::string& pe) {
  static const std::regex re(
      R"(^\d{4}$|^\d{4}(0[1-9]|1[0-2])$|^\d{4}W([1-9]|[1-4]\d|5[0-3])$|^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$|^\d{4}Q[1-4]$)");
  return std::regex_match(pe, re);
}

/// A conflict as ImportConflict.createConflict builds it: the message is the error code's
/// pattern filled with `args`; objects names each arg by its type.
struct Conflict {
  std::string code, property, message;
  std::vector<std::pair<std::string, std::string>> objects;  // Type name -> uid.
  std::vector<int> indexes;
};

std::string fill(std::string pattern, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string hole = "{" + std::to_string(i) + "}";
    if (size_t at = pattern.find(hole); at != std::string::npos) pattern.replace(at, hole.size(), args[i]);
  }
  return pattern;
}

json summary_json(const std::string& status, const std::string& description, const json& count,
                  const std::vector<Conflict>& conflicts, const std::vector<int>& rejected, bool dry_run,
                  const std::string& strategy) {
  json cs = json::array();
  for (const auto& c : conflicts) {
    json objects = json::object();
    for (const auto& [k, v] : c.objects) objects[k] = v;
    json j = {{"object", c.objects.empty() ? "" : c.objects.front().second},
              {"objects", objects},
              {"value", c.message},
              {"errorCode", c.code},
              {"indexes", c.indexes}};
    if (!c.property.empty()) j["property"] = c.property;
    cs.push_back(j);
  }
  return {{"responseType", "ImportSummary"},
          {"status", status},
          {"importOptions",
           {{"idSchemes", json::object()},
            {"dryRun", dry_run},
            {"async", false},
            {"importStrategy", strategy},
            {"mergeMode", "REPLACE"},
            {"reportMode", "FULL"},
            {"skipExistingCheck", false},
            {"sharing", false},
            {"skipNotifications", false},
            {"skipAudit", false},
            {"datasetAllowsPeriods", false},
            {"strictPeriods", false},
            {"strictDataElements", false},
            {"strictCategoryOptionCombos", false},
            {"strictAttributeOptionCombos", false},
            {"strictOrganisationUnits", false},
            {"requireCategoryOptionCombo", false},
            {"requireAttributeOptionCombo", false},
            {"skipPatternValidation", false},
            {"ignoreEmptyCollection", false},
            {"force", false},
            {"firstRowIsHeader", true},
            {"skipLastUpdated", false},
            {"mergeDataValues", false},
            {"skipCache", false}}},
          {"description", description},
          {"importCount", count},
          {"conflicts", cs},
          {"rejectedIndexes", rejected},
          {"dataSetComplete", "false"}};
}

}  // namespace

net::HttpResponse Emulator::import_values(const net::HttpRequest& request) {
  ++imports_;
  bool dry_run = request.query_param("dryRun").value_or("false") == "true";
  std::string strategy = request.query_param("importStrategy").value_or("CREATE_AND_UPDATE");
  if (strategy == "NEW_AND_UPDATES") strategy = "CREATE_AND_UPDATE";  // The old names.
  if (strategy == "NEW") strategy = "CREATE";
  if (strategy == "UPDATES") strategy = "UPDATE";
  json count = {{"imported", 0}, {"updated", 0}, {"ignored", 0}, {"deleted", 0}};
  auto error = [&](const std::string& why) {
    json body = {{"httpStatus", "Conflict"},
                 {"httpStatusCode", 409},
                 {"status", "ERROR"},
                 {"message", "An error occurred, please check import summary."},
                 {"response", summary_json("ERROR", "The import process failed: " + why, count, {}, {}, dry_run, strategy)}};
    return net::HttpResponse::json(409, body.dump());
  };
  if (strategy != "CREATE" && strategy != "UPDATE" && strategy != "CREATE_AND_UPDATE" && strategy != "DELETE") {
    return net::HttpResponse::json(
        400, json{{"httpStatus", "Bad Request"},
                  {"httpStatusCode", 400},
                  {"status", "ERROR"},
                  {"message", "Value '" + strategy + "' is not valid for parameter importStrategy. Valid values are: "
                                                     "[CREATE, UPDATE, CREATE_AND_UPDATE, DELETE, SYNC, REPLACE, "
                                                     "NEW_AND_UPDATES, NEW, UPDATES]"}}
                 .dump());
  }
  json set = json::parse(request.body, nullptr, false);
  if (set.is_discarded()) return error("Failed to parse the JSON body (not JSON)");
  if (!set.is_object()) return error("The body is not a data value set object");
  if (set.contains("dataValues") && !set["dataValues"].is_array()) return error("dataValues is not an array");
  std::string set_period = set.value("period", ""), set_ou = set.value("orgUnit", "");
  std::vector<Conflict> conflicts;
  std::vector<int> rejected;
  bool refused = false;  // The current value got a conflict.
  auto add_conflict = [&](int index, const std::string& code, const std::string& property, const std::string& pattern,
                          std::vector<std::pair<std::string, std::string>> objects) {
    refused = true;
    std::vector<std::string> args;
    for (const auto& [k, v] : objects) args.push_back(v);
    for (auto& c : conflicts) {
      if (c.code == code && c.objects == objects) {
        c.indexes.push_back(index);
        return;
      }
    }
    conflicts.push_back({code, property, fill(pattern, args), std::move(objects), {index}});
  };
  int index = -1;
  for (const json& v : set.value("dataValues", json::array())) {
    ++index;
    if (!v.is_object()) return error("dataValues[" + std::to_string(index) + "] is not an object");
    auto text = [&v](const char* key, const std::string& fallback = "") {
      if (!v.contains(key) || v[key].is_null()) return fallback;
      return v[key].is_string() ? v[key].get<std::string>() : v[key].dump();
    };
    DataValue dv;
    dv.data_element = text("dataElement");
    dv.period = text("period", set_period);
    dv.org_unit = text("orgUnit", set_ou);
    dv.category_option_combo = text("categoryOptionCombo", "HllvX50cXC0");
    dv.value = text("value");
    dv.stored_by = options_.username;
    refused = false;
    if (!data_elements_.count(dv.data_element)) {
      add_conflict(index, "E7610", "dataElement", "Data element not found or not accessible: `{0}`",
                   {{"dataElement", dv.data_element}});
    }
    if (!valid_period(dv.period)) {
      add_conflict(index, "E7611", "period", "Period not valid: `{0}`", {{"period", dv.period}});
    }
    auto ou = units_.find(dv.org_unit);
    if (ou == units_.end()) {
      add_conflict(index, "E7612", "orgUnit", "Organisation unit not found or not accessible: `{0}`",
                   {{"organisationUnit", dv.org_unit}});
    } else if (!in_user_hierarchy(dv.org_unit)) {
      add_conflict(index, "E7617", "orgUnit", "Organisation unit: `{0}` not in hierarchy of current user: `{1}`",
                   {{"organisationUnit", dv.org_unit}, {"user", options_.username}});
    }
    if (!combos_.count(dv.category_option_combo)) {
      add_conflict(index, "E7613", "categoryOptionCombo",
                   "Category option combo not found or not accessible for writing data: `{0}`",
                   {{"categoryOptionCombo", dv.category_option_combo}});
    }
    if (valid_period(dv.period) && closed_periods_.count(dv.period)) {
      add_conflict(index, "E7643", "period", "Period: `{0}` is not open for this data set at this time: `{1}`",
                   {{"period", dv.period}, {"dataSet", options_.data_set}});
    }
    if (refused) {
      count["ignored"] = count["ignored"].get<int>() + 1;
      rejected.push_back(index);
      continue;
    }
    std::string key = dv.data_element + "/" + dv.period + "/" + dv.org_unit + "/" + dv.category_option_combo;
    auto held = values_.find(key);
    bool exists = held != values_.end();
    bool empty = dv.value.empty() || (v.contains("deleted") && v["deleted"] == true);
    if (strategy == "DELETE" || empty) {
      if (!exists) {
        count["ignored"] = count["ignored"].get<int>() + 1;
        continue;
      }
      count["deleted"] = count["deleted"].get<int>() + 1;
      if (!dry_run) {
        values_.erase(held);
        value_order_.erase(std::find(value_order_.begin(), value_order_.end(), key));
      }
      continue;
    }
    if ((strategy == "CREATE" && exists) || (strategy == "UPDATE" && !exists) ||
        (exists && held->second.value == dv.value)) {
      count["ignored"] = count["ignored"].get<int>() + 1;
      continue;
    }
    count[exists ? "updated" : "imported"] = count[exists ? "updated" : "imported"].get<int>() + 1;
    if (dry_run) continue;
    dv.last_updated_ms = clock_.now().count();
    if (!exists) value_order_.push_back(key);
    values_[key] = std::move(dv);
  }
  bool warned = !conflicts.empty();
  json body = {{"httpStatus", warned ? "Conflict" : "OK"},
               {"httpStatusCode", warned ? 409 : 200},
               {"status", warned ? "WARNING" : "OK"},
               {"message", warned ? "One more conflicts encountered, please check import summary."
                                  : "Import was successful."},
               {"response", summary_json(warned ? "WARNING" : "SUCCESS", "Import process completed successfully", count,
                                         conflicts, rejected, dry_run, strategy)}};
  return net::HttpResponse::json(warned ? 409 : 200, body.dump());
}

net::HttpResponse Emulator::list_values(const net::HttpRequest& request) const {
  auto pe = request.query_param("period");
  auto ou = request.query_param("orgUnit");
  json out = {{"dataValues", json::array()}};
  if (auto ds = request.query_param("dataSet")) out["dataSet"] = *ds;
  for (const auto& k : value_order_) {
    auto it = values_.find(k);
    if (it == values_.end()) continue;
    const DataValue& v = it->second;
    if ((pe && v.period != *pe) || (ou && v.org_unit != *ou)) continue;
    out["dataValues"].push_back({{"dataElement", v.data_element},
                                 {"period", v.period},
                                 {"orgUnit", v.org_unit},
                                 {"categoryOptionCombo", v.category_option_combo},
                                 {"attributeOptionCombo", "HllvX50cXC0"},
                                 {"value", v.value},
                                 {"storedBy", v.stored_by},
                                 {"lastUpdated", dhis2_time(v.last_updated_ms)},
                                 {"followup", false}});
  }
  return net::HttpResponse::json(200, out.dump());
}

}  // namespace mhero::dhis2_emulator
