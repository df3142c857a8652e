#include "integrations/openhim_mediator.h"

#include <cmath>

#include "integrations/openinfoman_pull.h"
#include "messaging/messaging_service.h"
#include "node/config_check.h"
#include "node/config_keys.h"

namespace mhero::integrations {

using nlohmann::json;

namespace {

struct Def {
  const char* section;
  const char* key;
  const char* display;
  bool password;
};

constexpr Def kDefs[] = {
    {"openinfoman", "url", "OpenInfoMan URL", false},
    {"openinfoman", "username", "OpenInfoMan user", false},
    {"openinfoman", "password", "OpenInfoMan password", true},
    {"openinfoman", "provider_document", "CSD provider document", false},
    {"openinfoman", "timeout_ms", "OpenInfoMan call limit (ms)", false},
    {"rapidpro", "url", "RapidPro URL", false},
    {"rapidpro", "token", "RapidPro API token", true},
    {"rapidpro", "poll_interval_ms", "Dispatch and response poll period without OpenHIM (ms)", false},
    {"rapidpro", "timeout_ms", "RapidPro call limit (ms)", false},
};

const char* kMask = "**********";

std::string section_title(const std::string& s) { return s == "openinfoman" ? "OpenInfoMan" : "RapidPro"; }

json channel(const OpenHimConfig& c, const char* name, const char* path, const std::string& schedule) {
  json route = {{"name", std::string(name) + " trigger"},
                {"host", c.effective_route_host()},
                {"port", c.listen_port()},
                {"path", path},
                {"primary", true},
                {"secured", false},
                {"status", "enabled"},
                {"type", "http"},
                {"username", c.trigger_username},
                {"password", c.trigger_password}};
  std::string pattern = std::string("^/mhero") + (path + std::string("/trigger").size()) + "$";
  return {{"name", name},
          {"description", std::string("Polling channel: OpenHIM calls the mHero central node's ") + path},
          {"urlPattern", pattern},
          {"type", "polling"},
          {"pollingSchedule", schedule},
          {"methods", {"GET"}},
          {"status", "enabled"},
          {"authType", "private"},
          {"allow", {"mhero-sync"}},
          {"routes", {route}}};
}

}  // namespace

json mediator_config(const toml::table& table) {
  json config = json::object();
  for (const Def& d : kDefs) {
    const ConfigKey* k = find_config_key(d.section, d.key);
    if (k->type == ConfigType::integer) {
      auto v = table[d.section][d.key].value<int64_t>();
      if (v) config[d.section][d.key] = *v;
    } else {
      config[d.section][d.key] = table[d.section][d.key].value_or(std::string());
    }
  }
  return config;
}

json mediator_document(const OpenHimConfig& c, const toml::table& table, const std::string& version) {
  json endpoints = json::array();
  for (const char* path : {"/trigger/registry-pull", "/trigger/dispatch", "/trigger/responses"}) {
    endpoints.push_back({{"name", std::string("mHero ") + (path + 9)},
                         {"host", c.effective_route_host()},
                         {"port", c.listen_port()},
                         {"path", path},
                         {"primary", true},
                         {"type", "http"}});
  }
  json defs = json::array();
  for (const char* section : {"openinfoman", "rapidpro"}) {
    json tmpl = json::array();
    for (const Def& d : kDefs) {
      if (std::string(d.section) != section) continue;
      const ConfigKey* k = find_config_key(d.section, d.key);
      tmpl.push_back({{"param", d.key},
                      {"displayName", d.display},
                      {"description", std::string(k->meaning)},
                      {"type", d.password ? "password" : k->type == ConfigType::integer ? "number" : "string"}});
    }
    defs.push_back({{"param", section},
                    {"displayName", section_title(section)},
                    {"description", section_title(section) + " settings of the mHero central node ([" + section + "] in config.toml)"},
                    {"type", "struct"},
                    {"template", tmpl}});
  }
  return {{"urn", c.mediator_urn},
          {"version", version},
          {"name", "mHero sync node (central)"},
          {"description",
           "Pulls health workers from OpenInfoMan into the mHero sync log, hands messages to RapidPro and "
           "collects answers; OpenHIM's polling channels trigger each job"},
          {"endpoints", endpoints},
          {"defaultChannelConfig",
           {channel(c, kChannelRegistryPull, "/trigger/registry-pull", c.registry_pull_schedule),
            channel(c, kChannelDispatch, "/trigger/dispatch", c.dispatch_schedule),
            channel(c, kChannelResponses, "/trigger/responses", c.responses_schedule)}},
          {"configDefs", defs},
          {"config", mediator_config(table)}};
}

Result<toml::table> apply_mediator_config(const toml::table& table, const json& config) {
  std::vector<std::string> problems;
  toml::table out = table;
  if (!config.is_object()) return invalid_argument("OpenHIM config: not a JSON object");
  for (const auto& [section, fields] : config.items()) {
    if (section != "openinfoman" && section != "rapidpro") {
      problems.push_back(section + ": not a setting of this mediator (configDefs: openinfoman, rapidpro)");
      continue;
    }
    if (!fields.is_object()) {
      problems.push_back(section + ": expected an object");
      continue;
    }
    for (const auto& [key, value] : fields.items()) {
      const Def* def = nullptr;
      for (const Def& d : kDefs) {
        if (section == d.section && key == d.key) def = &d;
      }
      std::string where = section + "." + key;
      if (!def) {
        problems.push_back(where + ": not a setting of this mediator");
        continue;
      }
      const ConfigKey* k = find_config_key(def->section, def->key);
      if (!out.contains(section)) out.insert(section, toml::table{});
      if (!out[section].is_table()) {
        problems.push_back(section + ": not a table in config.toml");
        continue;
      }
      toml::table& sec = *out[section].as_table();
      if (k->type == ConfigType::integer) {
        bool integral = value.is_number_integer() || value.is_number_unsigned() ||
                        (value.is_number_float() && std::floor(value.get<double>()) == value.get<double>() &&
                         std::abs(value.get<double>()) < 9e15);
        if (!integral) {
          problems.push_back(where + ": expected a whole number of " + std::string(k->unit));
          continue;
        }
        sec.insert_or_assign(key, static_cast<int64_t>(value.get<double>()));
      } else {
        if (!value.is_string()) {
          problems.push_back(where + ": expected a string");
          continue;
        }
        if (def->password && value.get<std::string>() == kMask) continue;
        sec.insert_or_assign(key, value.get<std::string>());
      }
    }
  }
  if (problems.empty()) {
    for (std::string& p : check_config(out, "OpenHIM config")) problems.push_back(std::move(p));
  }
  if (problems.empty()) {
    if (!out["rapidpro"]["url"].value_or(std::string()).empty()) {
      if (auto rp = load_rapidpro_config(out); !rp.ok()) problems.push_back(rp.status().message());
    }
    NodeConfig probe;
    probe.table = out;
    if (!out["openinfoman"]["url"].value_or(std::string()).empty()) {
      if (auto oim = OpenInfoManConfig::from(probe); !oim.ok()) problems.push_back(oim.status().message());
    }
  }
  if (!problems.empty()) {
    std::string text = "OpenHIM config refused:";
    for (const std::string& p : problems) text += "\n  " + p;
    return invalid_argument(text);
  }
  return out;
}

}  // namespace mhero::integrations
