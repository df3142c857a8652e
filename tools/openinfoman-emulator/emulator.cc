#include "emulator.h"

#include <thread>

#include <pugixml.hpp>

#include <cstring>
#include <fstream>
#include <sstream>

#include "integrations/openinfoman_pull.h"
#include "registry/datetime.h"
#include "registry/xml_ns.h"

namespace mhero::openinfoman_emulator {

using registry::child_element;
using registry::for_each_element;
using registry::is_element;
using registry::trimmed_attr;

Status Emulator::load_text(const std::string& name, const std::vector<std::string>& texts) {
  Document doc;
  for (size_t i = 0; i < texts.size(); ++i) {
    pugi::xml_document xml;
    auto parsed = xml.load_buffer(texts[i].data(), texts[i].size());
    std::string where = name + "[" + std::to_string(i) + "]";
    if (!parsed) {
      return invalid_argument(where + ":" + std::to_string(parsed.offset) + ": " + parsed.description());
    }
    pugi::xml_node root = xml.document_element();
    if (!is_element(root, "CSD")) return invalid_argument(where + ": root is not a CSD document");
    auto collect = [&](const char* dir, const char* element, std::vector<Record>& into) {
      for_each_element(child_element(root, dir), element, [&](pugi::xml_node n) {
        Record r;
        r.entity_id = trimmed_attr(n, "entityID");
        r.updated = registry::parse_xsd_datetime(trimmed_attr(child_element(n, "record"), "updated"));
        std::ostringstream s;
        n.print(s, "", pugi::format_raw);
        r.xml = s.str();
        into.push_back(std::move(r));
      });
    };
    collect("organizationDirectory", "organization", doc.organizations);
    collect("facilityDirectory", "facility", doc.facilities);
    collect("providerDirectory", "provider", doc.providers);
  }
  std::lock_guard lock(mu_);
  documents_[name] = std::move(doc);
  return {};
}

Status Emulator::load(const std::string& name, const std::vector<std::filesystem::path>& files) {
  std::vector<std::string> texts;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return not_found("cannot read " + f.string());
    std::ostringstream s;
    s << in.rdbuf();
    texts.push_back(std::move(s).str());
  }
  return load_text(name, texts);
}

size_t Emulator::searches_served() const {
  std::lock_guard lock(mu_);
  return served_;
}

void Emulator::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  options_.delay = delay;
}

net::HttpResponse Emulator::handle(const net::HttpRequest& request) const {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mu_);
    delay = options_.delay;
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  const std::string prefix = "/CSD/csr/";
  std::string path = request.path();
  auto marker = path.find("/careServicesRequest/");
  if (path.rfind(prefix, 0) != 0 || marker == std::string::npos || marker <= prefix.size()) {
    return net::HttpResponse::text(404, "no such endpoint: " + path + "\n");
  }
  if (request.method != "POST") return net::HttpResponse::text(405, "use POST\n");
  auto auth = request.header("Authorization");
  if (!auth || *auth != integrations::basic_auth_header(options_.username, options_.password)) {
    net::HttpResponse r = net::HttpResponse::text(401, "authentication required\n");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"OpenInfoMan\"");
    return r;
  }
  std::string document = path.substr(prefix.size(), marker - prefix.size());
  std::string function = path.substr(marker + std::string("/careServicesRequest/").size());
  std::lock_guard lock(mu_);
  auto doc = documents_.find(document);
  if (doc == documents_.end()) return net::HttpResponse::text(404, "unknown document: " + document + "\n");
  const std::vector<Record>* records = nullptr;
  const char* directory = nullptr;
  if (function == kProviderSearch) {
    records = &doc->second.providers, directory = "providerDirectory";
  } else if (function == kFacilitySearch) {
    records = &doc->second.facilities, directory = "facilityDirectory";
  } else if (function == kOrganizationSearch) {
    records = &doc->second.organizations, directory = "organizationDirectory";
  } else {
    return net::HttpResponse::text(404, "unknown stored function: " + function + "\n");
  }

  pugi::xml_document body;
  auto parsed = body.load_buffer(request.body.data(), request.body.size());
  if (!parsed) {
    return net::HttpResponse::text(400, "malformed requestParams at offset " + std::to_string(parsed.offset) +
                                            ": " + parsed.description() + "\n");
  }
  pugi::xml_node params = body.document_element();
  if (!is_element(params, "requestParams")) {
    return net::HttpResponse::text(400, "expected csd:requestParams, got '" + std::string(params.name()) + "'\n");
  }
  std::optional<std::chrono::sys_seconds> since;
  if (pugi::xml_node rec = child_element(params, "record")) {
    std::string text = trimmed_attr(rec, "updated");
    since = registry::parse_xsd_datetime(text);
    if (!since) return net::HttpResponse::text(400, "invalid record/@updated '" + text + "'\n");
  }
  std::string only_id = trimmed_attr(child_element(params, "id"), "entityID");

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<CSD xmlns=\"urn:ihe:iti:csd:2013\" xmlns:csd=\"urn:ihe:iti:csd:2013\">";
  for (const char* d : {"organizationDirectory", "serviceDirectory", "facilityDirectory", "providerDirectory"}) {
    if (std::string_view(d) != directory) {
      out += "<" + std::string(d) + "/>";
      continue;
    }
    out += "<" + std::string(d) + ">";
    for (const Record& r : *records) {
      if (since && (!r.updated || *r.updated < *since)) continue;
      if (!only_id.empty() && r.entity_id != only_id) continue;
      out += r.xml;
      out += "\n";
    }
    out += "</" + std::string(d) + ">";
  }
  out += "</CSD>\n";
  ++served_;
  net::HttpResponse response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "text/xml; charset=utf-8");
  response.body = std::move(out);
  return response;
}

}  // namespace mhero::openinfoman_emulator
