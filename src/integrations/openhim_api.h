// The OpenHIM core API calls a mediator makes (jembi/openhim-core-js src/api/mediators.js,
// transactions.js; jembi/openhim-mediator-utils register/heartbeat/auth):
//   POST /mediators, POST /mediators/{urn}/channels, POST /mediators/{urn}/heartbeat,
//   PUT /transactions/{id}
// authenticated with `Authorization: Basic` or the legacy scheme (GET /authenticate/{email} →
// salt; auth-token = sha512hex(sha512hex(salt + password) + salt + ts), ts = now, ISO 8601).
//
// Thread-safety: every member may be called from any thread (calls are serialised).
#pragma once

#include <nlohmann/json.hpp>

#include <mutex>
#include <optional>
#include <string>

#include "integrations/openhim_config.h"
#include "net/http_client.h"
#include "util/status.h"

namespace mhero::integrations {

class OpenHimApi {
 public:
  explicit OpenHimApi(OpenHimConfig config);

  /// POST /mediators with `mediator` (201). Errors: unavailable (network, 5xx), permission_denied
  /// (401/403), invalid_argument (400, with OpenHIM's text).
  Status register_mediator(const nlohmann::json& mediator);
  /// POST /mediators/{urn}/channels with `names` ([] = every default channel). Errors as above;
  /// not_found (404: not registered).
  Status install_channels(const nlohmann::json& names);
  /// POST /mediators/{urn}/heartbeat {"uptime": s[, "config": true]}. Returns the config object
  /// when OpenHIM sent one (it changed, or `want_config`), nullopt for an empty reply. Errors as
  /// above; invalid_argument when the reply is neither empty nor a JSON object.
  Result<std::optional<nlohmann::json>> heartbeat(double uptime_seconds, bool want_config);
  /// PUT /transactions/{id} with `update` (status, response, orchestrations, properties).
  Status put_transaction(const std::string& id, const nlohmann::json& update);

  const OpenHimConfig& config() const { return config_; }

 private:
  Result<net::HttpResponse> call(const std::string& method, const std::string& path, const std::string& body);
  Result<net::HttpHeaders> auth_headers();

  OpenHimConfig config_;
  std::mutex mu_;
  net::HttpClient http_;
};

}  // namespace mhero::integrations
