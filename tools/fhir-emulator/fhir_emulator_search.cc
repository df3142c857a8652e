// Searches, history and paging of the FHIR emulator (emulator.h).
#include <algorithm>

#include "fhir_emulator.h"
#include "net/url.h"

namespace mhero::fhir_emulator {

namespace {

using nlohmann::json;

net::HttpResponse bad_request(const std::string& diagnostics) {
  json o{
      {"resourceType", "OperationOutcome"},
      {"issue",
       json::array({{{"severity", "error"}, {"code", "invalid"}, {"diagnostics", diagnostics}}})}};
  net::HttpResponse r;
  r.status = 400;
  r.headers.emplace_back("Content-Type", "application/fhir+json;charset=utf-8");
  r.body = o.dump();
  return r;
}

std::vector<std::string> split_ids(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

/// One _lastUpdated / _since condition on Unix ms.
struct Condition {
  std::string prefix;  // eq gt ge lt le
  int64_t ms = 0;
  bool holds(int64_t t) const {
    if (prefix == "gt") return t > ms;
    if (prefix == "ge") return t >= ms;
    if (prefix == "lt") return t < ms;
    if (prefix == "le") return t <= ms;
    return t / 1000 == ms / 1000;  // eq: to the second.
  }
};

}  // namespace

net::HttpResponse Emulator::search(const std::string& type, const net::HttpRequest& request,
                                   const std::string& base, bool history) {
  size_t count = options_.default_count;
  std::vector<Condition> conditions;
  std::vector<std::string> ids;
  for (const auto& [key, value] : request.query()) {
    if (key == "_count") {
      if (value.empty() || value.size() > 9 ||
          value.find_first_not_of("0123456789") != std::string::npos) {
        return bad_request("Invalid _count value '" + value + "'");
      }
      count = std::min<size_t>(std::stoul(value), options_.max_count);
    } else if ((key == "_lastUpdated" && !history) || (key == "_since" && history)) {
      Condition c{key == "_since" ? "ge" : "eq", 0};
      std::string v = value;
      if (key == "_lastUpdated" && v.size() > 2 && std::isalpha(static_cast<unsigned char>(v[0]))) {
        c.prefix = v.substr(0, 2);
        v = v.substr(2);
        if (c.prefix != "eq" && c.prefix != "gt" && c.prefix != "ge" && c.prefix != "lt" &&
            c.prefix != "le") {
          return bad_request("Unsupported prefix '" + c.prefix + "' in " + key);
        }
      }
      auto ms = parse_fhir_time(v);
      if (!ms) return bad_request("Invalid date/time format: \"" + value + "\" for " + key);
      c.ms = *ms;
      conditions.push_back(c);
    } else if (key == "_id" && !history) {
      for (const auto& id : split_ids(value)) ids.push_back(id);
    } else if (key != "_format" && key != "_pretty") {
      return bad_request("Unknown search parameter \"" + key + "\" for resource type \"" + type +
                         "\"");
    }
  }
  Snapshot snap;
  snap.bundle_type = history ? "history" : "searchset";
  auto& by_id = store_[type];
  for (const auto& [id, versions] : by_id) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    size_t first = history ? 0 : versions.size() - 1;
    for (size_t i = first; i < versions.size(); ++i) {
      const Version& v = versions[i];
      if (!history && v.deleted) continue;
      if (std::all_of(conditions.begin(), conditions.end(),
                      [&](const Condition& c) { return c.holds(v.ms); })) {
        snap.refs.push_back(Ref{type, id, i});
      }
    }
  }
  auto key = [&](const Ref& r) {
    const Version& v = store_[r.type][r.id][r.index];
    return std::make_tuple(v.ms, r.id, v.version);
  };
  std::sort(snap.refs.begin(), snap.refs.end(), [&](const Ref& a, const Ref& b) {
    return history ? key(a) > key(b) : key(a) < key(b);  // History: newest first.
  });
  std::string page_id;
  if (snap.refs.size() > count || (options_.empty_last_page && !snap.refs.empty())) {
    page_id =
        "p" + std::to_string(next_page_++) + "-" + std::to_string(clock_.now().count() % 100000);
    pages_[page_id] = snap;
  }
  json b = bundle(snap, 0, count, base, base + request.target.substr(options_.base_path.size()),
                  page_id);
  net::HttpResponse r;
  r.headers.emplace_back("Content-Type", "application/fhir+json;charset=utf-8");
  r.body = b.dump();
  return r;
}

net::HttpResponse Emulator::page(const std::string& id, size_t offset, size_t count,
                                 const std::string& base) {
  auto it = pages_.find(id);
  if (it == pages_.end()) {
    json o{
        {"resourceType", "OperationOutcome"},
        {"issue", json::array({{{"severity", "error"},
                                {"code", "processing"},
                                {"diagnostics", "Search ID \"" + id +
                                                    "\" does not exist and may have expired"}}})}};
    net::HttpResponse r;
    r.status = 410;
    r.headers.emplace_back("Content-Type", "application/fhir+json;charset=utf-8");
    r.body = o.dump();
    return r;
  }
  std::string self = base + "?_getpages=" + id + "&_getpagesoffset=" + std::to_string(offset) +
                     "&_count=" + std::to_string(count) + "&_bundletype=" + it->second.bundle_type;
  net::HttpResponse r;
  r.headers.emplace_back("Content-Type", "application/fhir+json;charset=utf-8");
  r.body = bundle(it->second, offset, count, base, self, id).dump();
  return r;
}

json Emulator::bundle(const Snapshot& s, size_t offset, size_t count, const std::string& base,
                      const std::string& self, const std::string& page_id) const {
  json links = json::array({{{"relation", "self"}, {"url", self}}});
  size_t end = std::min(s.refs.size(), offset + count);
  bool more = end < s.refs.size();
  // HAPI sometimes links a last page that holds nothing (hapifhir/hapi-fhir#5237).
  if (options_.empty_last_page && offset < end && end == s.refs.size()) more = true;
  if (!page_id.empty() && more) {
    links.push_back(
        {{"relation", "next"},
         {"url", base + "?_getpages=" + page_id + "&_getpagesoffset=" + std::to_string(end) +
                     "&_count=" + std::to_string(count) + "&_bundletype=" + s.bundle_type}});
  }
  json entries = json::array();
  for (size_t i = offset; i < end; ++i)
    entries.push_back(entry(s.refs[i], s.bundle_type == "history", base));
  json b{{"resourceType", "Bundle"},
         {"id", "b" + std::to_string(clock_.now().count())},
         {"meta", {{"lastUpdated", fhir_instant(clock_.now().count())}}},
         {"type", s.bundle_type},
         {"total", s.refs.size()},
         {"link", links}};
  if (!entries.empty()) b["entry"] = std::move(entries);
  return b;
}

json Emulator::entry(const Ref& r, bool history, const std::string& base) const {
  const Version& v = store_.at(r.type).at(r.id).at(r.index);
  json e{{"fullUrl", base + "/" + r.type + "/" + r.id}};
  if (!v.deleted) e["resource"] = v.resource;
  if (!history) {
    e["search"] = {{"mode", "match"}};
    return e;
  }
  std::string method = v.deleted ? "DELETE" : v.version == 1 ? "POST" : "PUT";
  e["request"] = {{"method", method}, {"url", r.type + "/" + r.id}};
  e["response"] = {{"status", v.deleted        ? "204"
                              : v.version == 1 ? "201"
                                               : "200"},
                   {"etag", "W/\"" + std::to_string(v.version) + "\""},
                   {"lastModified", fhir_instant(v.ms)}};
  return e;
}

}  // namespace mhero::fhir_emulator
