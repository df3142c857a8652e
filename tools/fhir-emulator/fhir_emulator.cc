#include "fhir_emulator.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "integrations/openinfoman_pull.h"
#include "registry/datetime.h"

namespace mhero::fhir_emulator {

namespace {

using nlohmann::json;

net::HttpResponse fhir_json(int status, const json& body) {
  net::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/fhir+json;charset=utf-8");
  r.body = body.dump();
  return r;
}

/// An OperationOutcome (http://hl7.org/fhir/R4/operationoutcome.html) as HAPI sends them.
net::HttpResponse outcome(int status, const std::string& code, const std::string& diagnostics) {
  json o{{"resourceType", "OperationOutcome"},
         {"issue",
          json::array({{{"severity", "error"}, {"code", code}, {"diagnostics", diagnostics}}})}};
  return fhir_json(status, o);
}

bool parse_size(const std::string& s, size_t& out) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stoul(s);
  return true;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

}  // namespace

std::string fhir_instant(int64_t ms) {
  std::string s =
      registry::format_xsd_datetime(std::chrono::sys_seconds(std::chrono::seconds(ms / 1000)));
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms % 1000));
  return s.substr(0, 19) + frac + s.substr(19);
}

std::optional<int64_t> parse_fhir_time(const std::string& text) {
  std::string t = text.size() == 10 ? text + "T00:00:00Z" : text;
  auto secs = registry::parse_xsd_datetime(t);
  if (!secs) return std::nullopt;
  int64_t ms = 0;
  if (t.size() > 20 && t[19] == '.') {
    int64_t scale = 100;
    for (size_t i = 20; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) && scale > 0;
         ++i) {
      ms += (t[i] - '0') * scale;
      scale /= 10;
    }
  }
  return secs->time_since_epoch().count() * 1000 + ms;
}

Emulator::Emulator(EmulatorOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

Result<size_t> Emulator::load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return load_text(buf.str(), path.string());
}

Result<size_t> Emulator::load_text(const std::string& text, const std::string& name) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid_argument(name + ": not a JSON object");
  std::vector<json> resources;
  if (j.value("resourceType", "") == "Bundle") {
    for (auto& e : j.value("entry", json::array())) {
      if (e.is_object() && e.contains("resource")) resources.push_back(e["resource"]);
    }
  } else {
    resources.push_back(std::move(j));
  }
  std::lock_guard lock(mu_);
  for (auto& r : resources) {
    if (Status s = put_locked(std::move(r)); !s.ok())
      return invalid_argument(name + ": " + s.message());
  }
  return resources.size();
}

Status Emulator::put(json resource) {
  std::lock_guard lock(mu_);
  return put_locked(std::move(resource));
}

Status Emulator::put_locked(json resource) {
  if (!resource.is_object()) return invalid_argument("resource is not an object");
  std::string type = resource.value("resourceType", "");
  std::string id = resource.value("id", "");
  if (type.empty() || id.empty()) return invalid_argument("resource without resourceType or id");
  auto& versions = store_[type][id];
  Version v;
  v.version = static_cast<int64_t>(versions.size()) + 1;
  v.ms = clock_.now().count();
  resource["meta"]["versionId"] = std::to_string(v.version);
  resource["meta"]["lastUpdated"] = fhir_instant(v.ms);
  v.resource = std::move(resource);
  versions.push_back(std::move(v));
  return {};
}

Status Emulator::remove(const std::string& type, const std::string& id) {
  std::lock_guard lock(mu_);
  return remove_locked(type, id);
}

Status Emulator::remove_locked(const std::string& type, const std::string& id) {
  auto t = store_.find(type);
  if (t == store_.end() || !t->second.count(id) || t->second[id].back().deleted) {
    return not_found(type + "/" + id + " is not held");
  }
  auto& versions = t->second[id];
  Version v;
  v.version = static_cast<int64_t>(versions.size()) + 1;
  v.ms = clock_.now().count();
  v.deleted = true;
  versions.push_back(std::move(v));
  return {};
}

void Emulator::expire_pages() {
  std::lock_guard lock(mu_);
  pages_.clear();
}

void Emulator::expire_pages_after(size_t requests) {
  std::lock_guard lock(mu_);
  expire_after_ = requests;
}

void Emulator::fail_next(int status, std::string body, size_t skip, std::string content_type) {
  std::lock_guard lock(mu_);
  fault_skip_ = skip;
  net::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  fault_ = std::move(r);
}

size_t Emulator::requests() const {
  std::lock_guard lock(mu_);
  return targets_.size();
}

std::vector<std::string> Emulator::targets() const {
  std::lock_guard lock(mu_);
  return targets_;
}

size_t Emulator::count(const std::string& type) const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  if (auto t = store_.find(type); t != store_.end()) {
    for (const auto& [id, versions] : t->second) n += versions.back().deleted ? 0 : 1;
  }
  return n;
}

bool Emulator::authorized(const net::HttpRequest& request) const {
  using Auth = EmulatorOptions::Auth;
  if (options_.auth == Auth::none) return true;
  std::string got = request.header("Authorization").value_or("");
  if (options_.auth == Auth::basic) {
    return got == integrations::basic_auth_header(options_.username, options_.password);
  }
  return got == "Bearer " + options_.token;
}

net::HttpResponse Emulator::handle(const net::HttpRequest& request) {
  std::lock_guard lock(mu_);
  targets_.push_back(request.target);
  if (expire_after_ && (*expire_after_)-- == 0) {
    pages_.clear();
    expire_after_.reset();
  }
  if (fault_ && fault_skip_ > 0) {
    --fault_skip_;
  } else if (fault_) {
    net::HttpResponse r = std::move(*fault_);
    fault_.reset();
    return r;
  }
  std::string host = request.header("Host").value_or("127.0.0.1");
  return route(request, "http://" + host + options_.base_path);
}

net::HttpResponse Emulator::route(const net::HttpRequest& request, const std::string& base) {
  std::string path = request.path();
  if (path.rfind(options_.base_path, 0) != 0)
    return outcome(404, "not-found", "Unknown path " + path);
  path = path.substr(options_.base_path.size());
  std::vector<std::string> parts;
  for (auto& p : split(path, '/')) {
    if (!p.empty()) parts.push_back(p);
  }
  if (parts.size() == 1 && parts[0] == "metadata" && request.method == "GET") {
    json resources = json::array();
    for (const char* t : {"Location", "Organization", "Practitioner", "PractitionerRole"}) {
      json interactions = json::array({{{"code", "read"}}, {{"code", "search-type"}}});
      if (options_.history) interactions.push_back({{"code", "history-type"}});
      resources.push_back(
          {{"type", t},
           {"interaction", interactions},
           {"searchParam", json::array({{{"name", "_lastUpdated"}, {"type", "date"}}})}});
    }
    return fhir_json(200, {{"resourceType", "CapabilityStatement"},
                           {"status", "active"},
                           {"kind", "instance"},
                           {"fhirVersion", "4.0.1"},
                           {"format", json::array({"application/fhir+json"})},
                           {"rest", json::array({{{"mode", "server"}, {"resource", resources}}})}});
  }
  if (!authorized(request)) {
    auto r = outcome(401, "login", "Authentication required");
    r.headers.emplace_back("WWW-Authenticate", options_.auth == EmulatorOptions::Auth::basic
                                                   ? "Basic realm=\"fhir\""
                                                   : "Bearer");
    return r;
  }
  if (request.method == "PUT" && parts.size() == 2) {
    json resource = json::parse(request.body, nullptr, false);
    if (resource.is_discarded() || !resource.is_object())
      return outcome(400, "invalid", "Body is not JSON");
    if (resource.value("resourceType", "") != parts[0] || resource.value("id", "") != parts[1]) {
      return outcome(400, "invalid", "Body's resourceType/id do not match the URL");
    }
    if (Status s = put_locked(resource); !s.ok()) return outcome(400, "invalid", s.message());
    return fhir_json(200, store_[parts[0]][parts[1]].back().resource);
  }
  if (request.method == "DELETE" && parts.size() == 2) {
    Status s = remove_locked(parts[0], parts[1]);
    if (!s.ok()) return outcome(404, "not-found", s.message());
    return outcome(200, "informational", "Deleted " + parts[0] + "/" + parts[1]);
  }
  if (request.method != "GET") return outcome(405, "not-supported", "Method " + request.method);
  if (parts.empty()) {
    auto id = request.query_param("_getpages");
    if (!id) return outcome(400, "invalid", "Missing _getpages");
    size_t offset = 0, count = options_.default_count;
    if (!parse_size(request.query_param("_getpagesoffset").value_or("0"), offset) ||
        !parse_size(request.query_param("_count").value_or(std::to_string(count)), count)) {
      return outcome(400, "invalid", "Invalid _getpagesoffset or _count");
    }
    return page(*id, offset, count, base);
  }
  if (!store_.count(parts[0]) && parts[0] != "Location" && parts[0] != "Organization" &&
      parts[0] != "Practitioner" && parts[0] != "PractitionerRole") {
    return outcome(404, "not-supported", "Unknown resource type '" + parts[0] + "'");
  }
  if (parts.size() == 1) return search(parts[0], request, base, false);
  if (parts.size() == 2 && parts[1] == "_history") {
    if (!options_.history) return outcome(400, "not-supported", "History is not supported here");
    return search(parts[0], request, base, true);
  }
  if (parts.size() == 2) {
    auto& ids = store_[parts[0]];
    auto it = ids.find(parts[1]);
    if (it == ids.end())
      return outcome(404, "not-found", "Resource " + parts[0] + "/" + parts[1] + " is not known");
    if (it->second.back().deleted)
      return outcome(410, "deleted", "Resource " + parts[0] + "/" + parts[1] + " was deleted");
    return fhir_json(200, it->second.back().resource);
  }
  return outcome(404, "not-found", "Unknown path " + request.path());
}

}  // namespace mhero::fhir_emulator
