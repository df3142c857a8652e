// The [dhis2] table of config.toml and the DHIS2 Web API calls made with it (docs.dhis2.org,
// "Web API" chapters; dhis2-core 2.41): the central node pulls the org-unit tree
// (integrations/dhis2_pull.h) and pushes health workers' answers as aggregate data values
// (integrations/dhis2_push.h).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>

#include "net/http_client.h"
#include "node/config.h"
#include "util/status.h"

namespace mhero::integrations {

/// How a DHIS2 org unit at the facility level names the facility record it is: its `code`, the
/// value of one attribute (`attribute:<uid>`), or its uid (`id`). The value is the facility's
/// entityID, so a facility a CSD or mCSD source also gives under that id is one record.
struct Dhis2Match {
  enum class Kind { code, attribute, id };
  Kind kind = Kind::code;
  std::string attribute;  // For Kind::attribute.
};

struct Dhis2Config {
  std::string url;            // url: the instance's base, without "/api" or a trailing '/'.
  std::string username;       // username: Basic auth, with password_file's password.
  std::string password;       // Read from password_file (first line).
  std::string token;          // Read from token_file: a personal access token ("d2pat_…").
  std::string ca_file;        // ca_file: "" = the system store.
  int district_level = 2;     // district_level: the org-unit level that is a district.
  int facility_level = 4;     // facility_level: org units at this level or deeper are facilities.
  Dhis2Match match;           // match: "code", "attribute:<uid>" or "id".
  size_t page_count = 100;    // page_count: pageSize of organisationUnits pages.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // timeout_ms, per request.
  std::chrono::milliseconds overlap{std::chrono::minutes(5)};   // overlap_ms.
  std::filesystem::path mapping_file;  // mapping_file: flow results -> data elements.
  std::chrono::milliseconds push_interval{0};  // push_interval_ms in `mhero run`; 0 = off.

  /// Whether [dhis2] url is set.
  static bool configured(const NodeConfig& config);
  /// Reads [dhis2]; relative file paths are taken from `node_dir`. Errors: invalid_argument
  /// naming the key (url unset; neither token_file nor username + password_file; a match that
  /// is not code, attribute:<uid> or id; facility_level not deeper than district_level);
  /// not_found naming an unreadable password_file / token_file.
  static Result<Dhis2Config> from(const NodeConfig& config, const std::filesystem::path& node_dir);

  /// "ApiToken d2pat_…" when a token is set, else "Basic …".
  std::string authorization() const;
  /// "dhis2:" + url: the source stored on every record from this instance.
  std::string source() const { return "dhis2:" + url; }
  /// Client options: timeout and CA file.
  net::HttpClientOptions http_options() const;
};

/// " (message)" of a DHIS2 WebMessage body ({"httpStatus", "message", …}; the message cut at 200
/// characters), "" when the body is not one.
std::string dhis2_brief(const std::string& body);

/// GETs `url` (absolute) and parses the JSON body of a 200. Errors: permission_denied for 401 /
/// 403 (naming the [dhis2] credentials), not_found for 404, unavailable for 5xx and network
/// errors, invalid_argument naming the URL for any other status or a body that is not JSON.
Result<nlohmann::json> dhis2_get_json(net::HttpClient& http, const Dhis2Config& config, const std::string& url);

}  // namespace mhero::integrations
