#include "registry/mcsd_bundle.h"

#include <fstream>
#include <sstream>

#include "registry/datetime.h"

namespace mhero::registry {

namespace {

std::string text_at(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// "…/Practitioner/P1/_history/3" or "Practitioner/P1" -> type, id, version.
bool split_resource_url(std::string url, McsdResource& out) {
  if (auto q = url.find('?'); q != std::string::npos) url.resize(q);
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(url);
  while (std::getline(in, part, '/')) parts.push_back(part);
  size_t n = parts.size();
  if (n >= 4 && parts[n - 2] == "_history") {
    out.version_id = parts[n - 1];
    n -= 2;
  }
  if (n < 2 || parts[n - 1].empty() || parts[n - 2].empty()) return false;
  out.type = parts[n - 2];
  out.id = parts[n - 1];
  return std::isupper(static_cast<unsigned char>(out.type[0])) != 0;
}

/// W/"3" -> 3.
std::string version_from_etag(std::string etag) {
  std::string out;
  for (char c : etag) {
    if (c != 'W' && c != '/' && c != '"') out += c;
  }
  return out;
}

bool is_numeric(const std::string& s) {
  return !s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

Result<McsdBundle> parse_mcsd_bundle(std::string_view text, const std::string& name) {
  const std::string nothing = " (nothing imported)";
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return invalid_argument(name + ": not JSON" + nothing);
  if (!j.is_object()) return invalid_argument(name + ": not a JSON object" + nothing);
  std::string type = text_at(j, "resourceType");
  if (type != "Bundle") {
    return invalid_argument(name + ": resourceType is '" + type + "', expected Bundle" + nothing);
  }
  McsdBundle out;
  out.type = text_at(j, "type");
  out.last_updated = text_at(j.value("meta", nlohmann::json::object()), "lastUpdated");
  if (j.contains("link")) {
    if (!j["link"].is_array())
      return invalid_argument(name + ": Bundle.link is not an array" + nothing);
    for (const auto& link : j["link"]) {
      if (text_at(link, "relation") == "next") out.next_url = text_at(link, "url");
    }
  }
  if (!j.contains("entry")) return out;
  if (!j["entry"].is_array())
    return invalid_argument(name + ": Bundle.entry is not an array" + nothing);
  size_t index = 0;
  for (auto& entry : j["entry"]) {
    std::string where = name + " entry " + std::to_string(index++);
    if (!entry.is_object()) return invalid_argument(where + " is not an object" + nothing);
    McsdResource r;
    const nlohmann::json request = entry.value("request", nlohmann::json::object());
    if (text_at(request, "method") == "DELETE") {
      r.deleted = true;
      if (!split_resource_url(text_at(request, "url"), r) &&
          !split_resource_url(text_at(entry, "fullUrl"), r)) {
        out.warnings.push_back({"", "DELETE entry names no Type/id (request.url, fullUrl)", where});
        continue;
      }
      const nlohmann::json response = entry.value("response", nlohmann::json::object());
      if (r.version_id.empty()) r.version_id = version_from_etag(text_at(response, "etag"));
      r.last_updated = text_at(response, "lastModified");
      out.resources.push_back(std::move(r));
      continue;
    }
    auto res = entry.find("resource");
    if (res == entry.end() || !res->is_object()) {
      out.warnings.push_back({"", "entry without a resource skipped", where});
      continue;
    }
    r.type = text_at(*res, "resourceType");
    r.id = text_at(*res, "id");
    if (r.type.empty() || r.id.empty()) {
      out.warnings.push_back(
          {r.type.empty() ? "" : r.type + "/?",
           r.type.empty() ? "resource without resourceType skipped" : "resource without id skipped",
           where});
      continue;
    }
    const nlohmann::json meta = res->value("meta", nlohmann::json::object());
    r.version_id = text_at(meta, "versionId");
    r.last_updated = text_at(meta, "lastUpdated");
    r.resource = std::move(*res);
    out.resources.push_back(std::move(r));
  }
  return out;
}

Result<McsdBundle> parse_mcsd_bundle_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_mcsd_bundle(buf.str(), path);
}

bool newer_version(const McsdResource& a, const McsdResource& b) {
  if (!a.version_id.empty() && !b.version_id.empty() && a.version_id != b.version_id) {
    if (is_numeric(a.version_id) && is_numeric(b.version_id)) {
      return std::stoll(a.version_id) > std::stoll(b.version_id);
    }
  }
  auto ta = parse_xsd_datetime(a.last_updated);
  auto tb = parse_xsd_datetime(b.last_updated);
  return ta && tb && *ta > *tb;
}

void McsdChangeSet::add(McsdResource r) {
  auto& slot = by_type_[r.type];
  auto it = slot.find(r.id);
  if (it == slot.end()) {
    slot.emplace(r.id, std::move(r));
  } else if (newer_version(r, it->second)) {
    it->second = std::move(r);
  }
}

void McsdChangeSet::add(McsdBundle&& bundle) {
  for (auto& r : bundle.resources) add(std::move(r));
  warnings_.insert(warnings_.end(), std::make_move_iterator(bundle.warnings.begin()),
                   std::make_move_iterator(bundle.warnings.end()));
}

const std::map<std::string, McsdResource>& McsdChangeSet::of(const std::string& type) const {
  static const std::map<std::string, McsdResource> kNone;
  auto it = by_type_.find(type);
  return it == by_type_.end() ? kNone : it->second;
}

size_t McsdChangeSet::size() const {
  size_t n = 0;
  for (const auto& [type, m] : by_type_) n += m.size();
  return n;
}

}  // namespace mhero::registry
