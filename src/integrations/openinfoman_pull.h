// The central node's pull from OpenInfoMan (DESIGN.md "Central integrations"): POSTs
// <csd:requestParams><csd:record updated="LAST"/></csd:requestParams> to
//   {url}/CSD/csr/{document}/careServicesRequest/urn:ihe:iti:csd:2014:stored-function:{organization,facility,provider}-search
// with HTTP Basic auth, parses the CSD replies and imports them together (registry/importer.h).
// LAST, per document and function, is the newest record/@updated seen; it is saved in the
// store's meta column family only after the import's entries are committed, so a crash or error
// before then re-pulls the same records (and re-importing them writes nothing).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "identity/node_key.h"
#include "net/http_client.h"
#include "node/config.h"
#include "registry/importer.h"
#include "registry/phone.h"
#include "store/log_store.h"

namespace mhero::integrations {

/// [openinfoman] in config.toml.
struct OpenInfoManConfig {
  std::string url;                    // url: base URL, e.g. "http://openinfoman:8984".
  std::string username, password;     // username, password: HTTP Basic credentials.
  std::string provider_document = "Providers";  // provider_document: CSD document name.
  std::string facility_document;      // facility_document: empty = do not pull facilities.
  std::string organization_document;  // organization_document: empty = do not pull.
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};  // timeout_ms.

  /// Errors: invalid_argument naming the missing key (url).
  static Result<OpenInfoManConfig> from(const NodeConfig& config);
};

/// "Basic " + base64("user:password") (RFC 7617).
std::string basic_auth_header(const std::string& user, const std::string& password);
/// The careServicesRequest body; `since` empty = everything.
std::string request_params_body(const std::string& since);
/// Meta key holding LAST for (document, function short name "provider-search").
std::string last_updated_key(const std::string& document, const std::string& function);

struct PullReport {
  registry::ImportReport import;
  size_t searches = 0;                          // Stored-function calls made.
  std::map<std::string, std::string> last;      // Meta key -> LAST after the pull.
};

/// Pulls everything updated since each LAST and imports it. Errors: permission_denied (401),
/// not_found (404: unknown document), unavailable (network, 5xx, timeouts), invalid_argument
/// (the reply is not CSD XML), store errors. Nothing is saved as LAST on any error.
Result<PullReport> pull_openinfoman(LogStore& store, const NodeKey& key, net::HttpClient& http,
                                    const OpenInfoManConfig& config, const registry::PhoneNormalizer& phones,
                                    const registry::ImportOptions& options);

}  // namespace mhero::integrations
