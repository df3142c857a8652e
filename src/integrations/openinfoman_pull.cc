#include "integrations/openinfoman_pull.h"

#include <sodium.h>

#include <cstring>

#include "registry/csd_parser.h"
#include "registry/datetime.h"

namespace mhero::integrations {

namespace {

constexpr const char* kFunctionPrefix = "urn:ihe:iti:csd:2014:stored-function:";

/// Newest valid record/@updated of a list of records; empty when none.
template <typename Records>
std::string newest(const Records& records, const std::string& floor) {
  std::string best = floor;
  std::optional<std::chrono::sys_seconds> best_t = registry::parse_xsd_datetime(floor);
  for (const auto& r : records) {
    auto t = registry::parse_xsd_datetime(r.updated);
    if (t && (!best_t || *t > *best_t)) {
      best_t = t;
      best = r.updated;
    }
  }
  return best;
}

}  // namespace

Result<OpenInfoManConfig> OpenInfoManConfig::from(const NodeConfig& config) {
  OpenInfoManConfig c;
  c.url = string_or(config.table, "openinfoman", "url", "");
  if (c.url.empty()) return invalid_argument("config [openinfoman] url is not set (e.g. \"http://openinfoman:8984\")");
  while (!c.url.empty() && c.url.back() == '/') c.url.pop_back();
  c.username = string_or(config.table, "openinfoman", "username", "");
  c.password = string_or(config.table, "openinfoman", "password", "");
  c.provider_document = string_or(config.table, "openinfoman", "provider_document", c.provider_document);
  c.facility_document = string_or(config.table, "openinfoman", "facility_document", "");
  c.organization_document = string_or(config.table, "openinfoman", "organization_document", "");
  int64_t ms = int_or(config.table, "openinfoman", "timeout_ms", c.timeout.count());
  if (ms < 1) return invalid_argument("config [openinfoman] timeout_ms must be positive");
  c.timeout = std::chrono::milliseconds(ms);
  return c;
}

std::string basic_auth_header(const std::string& user, const std::string& password) {
  std::string raw = user + ":" + password;
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return "Basic " + out;
}

std::string request_params_body(const std::string& since) {
  std::string body = "<csd:requestParams xmlns:csd=\"urn:ihe:iti:csd:2013\">";
  if (!since.empty()) body += "<csd:record updated=\"" + since + "\"/>";
  return body + "</csd:requestParams>";
}

std::string last_updated_key(const std::string& document, const std::string& function) {
  return "registry/openinfoman/last/" + document + "/" + function;
}

Result<PullReport> pull_openinfoman(LogStore& store, const NodeKey& key, net::HttpClient& http,
                                    const OpenInfoManConfig& config, const registry::PhoneNormalizer& phones,
                                    const registry::ImportOptions& options) {
  PullReport report;
  registry::CsdDocument all;
  struct Call {
    std::string document, function;
  };
  std::vector<Call> calls;
  if (!config.organization_document.empty()) calls.push_back({config.organization_document, "organization-search"});
  if (!config.facility_document.empty()) calls.push_back({config.facility_document, "facility-search"});
  if (!config.provider_document.empty()) calls.push_back({config.provider_document, "provider-search"});
  for (const Call& call : calls) {
    std::string meta = last_updated_key(call.document, call.function);
    MHERO_ASSIGN_OR_RETURN(auto last, store.get_meta(meta));
    std::string since = last.value_or("");
    std::string url = config.url + "/CSD/csr/" + call.document + "/careServicesRequest/" + kFunctionPrefix + call.function;
    MHERO_ASSIGN_OR_RETURN(
        auto response,
        http.post(url, request_params_body(since),
                  {{"Authorization", basic_auth_header(config.username, config.password)},
                   {"Content-Type", "application/xml"}},
                  config.timeout));
    ++report.searches;
    if (response.status == 401 || response.status == 403) {
      return permission_denied("OpenInfoMan refused the credentials for " + url + " (HTTP " +
                               std::to_string(response.status) + "); check [openinfoman] username/password");
    }
    if (response.status == 404) return not_found("OpenInfoMan has no " + url + " (unknown document?)");
    if (response.status != 200) {
      return unavailable("OpenInfoMan answered HTTP " + std::to_string(response.status) + " for " + url);
    }
    MHERO_ASSIGN_OR_RETURN(auto doc, registry::parse_csd_text(std::move(response.body), url, phones));
    registry::set_source(doc, "csd:" + call.document);
    registry::set_origin(doc, "openinfoman " + call.document + " pulled " +
                                  registry::format_xsd_datetime(std::chrono::floor<std::chrono::seconds>(
                                      std::chrono::sys_time<std::chrono::milliseconds>(options.started))));
    std::string next = since;
    if (call.function == "provider-search") next = newest(doc.providers, since);
    if (call.function == "facility-search") next = newest(doc.facilities, since);
    if (call.function == "organization-search") next = newest(doc.organizations, since);
    report.last[meta] = next;
    registry::merge_documents(all, std::move(doc));
  }
  MHERO_ASSIGN_OR_RETURN(report.import, registry::import_records(store, key, std::move(all), options));
  for (const auto& [meta, value] : report.last) {
    if (!value.empty()) MHERO_RETURN_IF_ERROR(store.put_meta(meta, value));
  }
  return report;
}

}  // namespace mhero::integrations
