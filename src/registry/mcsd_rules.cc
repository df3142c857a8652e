#include "registry/mcsd_rules.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "registry/xml_ns.h"

namespace mhero::registry {

Result<size_t> load_job_code_system(const std::filesystem::path& path, McsdRules& rules,
                                    const std::string& property) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read job code system " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(buf.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("resourceType", "") != "CodeSystem") {
    return invalid_argument(path.string() + ": not a FHIR CodeSystem (JSON)");
  }
  auto concepts = j.find("concept");
  if (concepts == j.end() || !concepts->is_array()) {
    return invalid_argument(path.string() + ": CodeSystem has no concept list");
  }
  size_t added = 0;
  for (const auto& c : *concepts) {
    if (!c.is_object() || !c.contains("code") || !c["code"].is_string()) continue;
    auto props = c.find("property");
    if (props == c.end() || !props->is_array()) continue;
    for (const auto& p : *props) {
      if (!p.is_object() || p.value("code", "") != property) continue;
      auto coding = p.find("valueCoding");
      if (coding == p.end() || !coding->is_object() || !coding->contains("code")) continue;
      CodedValue cadre{coding->value("code", ""), coding->value("system", kIhrisCadreSystem),
                       coding->value("display", "")};
      if (cadre.code.empty()) continue;
      rules.job_cadres[c["code"].get<std::string>()] = std::move(cadre);
      ++added;
    }
  }
  return added;
}

Result<size_t> load_job_cadre_map(const std::filesystem::path& path, McsdRules& rules) {
  std::ifstream in(path);
  if (!in) return not_found("cannot read job cadre map " + path.string());
  std::string line;
  size_t added = 0;
  for (size_t n = 1; std::getline(in, line); ++n) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (n == 1 && t.rfind("job", 0) == 0) continue;
    auto comma = t.find(',');
    std::string job = comma == std::string::npos ? "" : trim(std::string_view(t).substr(0, comma));
    std::string cadre =
        comma == std::string::npos ? "" : trim(std::string_view(t).substr(comma + 1));
    if (job.empty() || cadre.empty()) {
      return invalid_argument(path.string() + ":" + std::to_string(n) +
                              ": expected 'job_code,cadre_code'");
    }
    rules.job_cadres[job] = CodedValue{cadre, kIhrisCadreSystem, ""};
    ++added;
  }
  return added;
}

}  // namespace mhero::registry
