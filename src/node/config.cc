#include "node/config.h"

#include <cassert>
#include <sstream>

#include "node/config_check.h"
#include "node/config_keys.h"

namespace mhero {

const char* role_name(Role role) { return role == Role::central ? "central" : "district"; }

std::optional<Role> parse_role(std::string_view text) {
  if (text == "central") return Role::central;
  if (text == "district") return Role::district;
  return std::nullopt;
}

Result<NodeConfig> NodeConfig::load(const std::filesystem::path& path) {
  const std::string readme = "README.md, \"config.toml\"";
  if (!std::filesystem::exists(path)) {
    if (std::filesystem::exists(path.parent_path() / "node.key")) {
      return not_found("no config at " + path.string() + ", but " + path.parent_path().string() +
                       " holds a node key (node.key), so `mhero init` refuses it: restore config.toml from a "
                       "backup, or write one (" + readme + ", lists every key; [node] role, district and "
                       "central_key as when the node was made)");
    }
    return not_found("no config at " + path.string() + " (run `mhero init` first)");
  }
  if (std::filesystem::is_directory(path)) {
    return invalid_argument(path.string() + " is a directory, not a file: remove it and restore config.toml (" +
                            readme + ", lists every key)");
  }
  NodeConfig config;
  try {
    config.table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << path.string() << ":" << e.source().begin.line << ":" << e.source().begin.column;
    return invalid_argument(where.str() + ": " + std::string(e.description()) + " (see " + readme +
                            ", for the keys and their form)");
  }
  std::vector<std::string> problems = check_config(config.table, path.string());
  if (!problems.empty()) {
    std::string message;
    for (const std::string& p : problems) message += (message.empty() ? "" : "\n") + p;
    if (problems.size() > 1) message = std::to_string(problems.size()) + " problems in " + path.string() + ":\n" + message;
    return invalid_argument(message + "\n(README.md, \"config.toml\", lists every key)");
  }
  if (config.table.empty()) {
    return invalid_argument(path.string() + ": config.toml is empty: restore it from a backup or write one (" + readme +
                            ", lists every key; [node] role is required)");
  }
  auto node = config.table["node"];
  if (!node["role"]) {
    return invalid_argument(path.string() + ": [node] role is missing (\"central\" or \"district\"; " + readme +
                            ")");
  }
  auto role = parse_role(node["role"].value_or(std::string()));
  if (!role) return invalid_argument(path.string() + ": [node] role must be \"central\" or \"district\"");
  config.role = *role;
  config.district = node["district"].value_or(std::string());
  std::string central = node["central_key"].value_or(std::string());
  if (!central.empty()) {
    config.central_key = NodeId::from_hex(central);
    if (!config.central_key) {
      return invalid_argument(path.string() + ": [node] central_key is not 64 hex characters");
    }
  }
  if (config.role == Role::district && (config.district.empty() || !config.central_key)) {
    return invalid_argument(path.string() + ": a district node needs [node] district and central_key");
  }
  return config;
}

std::string NodeConfig::initial_text(Role role, const std::string& district, const NodeId& central_key) {
  std::ostringstream out;
  out << "# mhero node configuration. Every key is described in README.md.\n\n"
      << "[node]\n"
      << "role = \"" << role_name(role) << "\"\n";
  if (role == Role::district) out << "district = \"" << district << "\"\n";
  out << "central_key = \"" << central_key.hex() << "\"   # pinned central node id (hex)\n";
  out << "\n[registry]\n"
      << "default_region = \"LR\"                    # ISO 3166-1 region of local phone numbers\n"
      << "district_authority = \"urn:mhero:district\"  # otherID authority carrying district codes\n"
      << "district_address_component = \"\"          # addressLine component with the district (\"\" = off)\n"
      << "chunk_records_count = 500                  # registry records per entry\n";
  if (role == Role::central) {
    out << "district_map = \"\"                        # CSV entityID,district_code used by every import and pull\n"
        << "max_moved_percent = 10                     # stop an import moving more providers' districts (100 = off)\n"
        << "max_removed_percent = 10                   # stop a --full import removing more providers (100 = off)\n"
        << "pull_interval_ms = 0                       # mhero run: registry pull this often (0 = off)\n"
        << "contact_point_codes = [\"BP=sms\"]           # CSD contactPoint codes -> sms, whatsapp, telegram\n";
  }
  if (role == Role::central) {
    out << "\n[openinfoman]\n"
        << "url = \"\"                                 # e.g. \"http://openinfoman:8984\"\n"
        << "username = \"\"\n"
        << "password = \"\"\n"
        << "provider_document = \"Providers\"\n"
        << "facility_document = \"\"                   # \"\" = do not pull facilities\n"
        << "organization_document = \"\"               # \"\" = do not pull organizations\n"
        << "timeout_ms = 120000\n";
    out << "\n[mcsd]   # mCSD (FHIR R4) registry source, e.g. iHRIS 5; README.md describes each key\n"
        << "url = \"\"                        # FHIR base, e.g. \"https://ihris.example/fhir\" (\"\" = off)\n"
        << "auth = \"none\"                   # none, basic (username, password) or bearer (token)\n"
        << "username = \"\"\n"
        << "password = \"\"\n"
        << "token = \"\"\n"
        << "ca_file = \"\"                    # PEM CA file to trust instead of the system's\n"
        << "page_count = 100                 # _count: resources per page\n"
        << "timeout_ms = 120000              # one page request\n"
        << "overlap_ms = 300000              # ask again from the high-water mark minus this\n"
        << "district_type_code = \"district\" # Location.type code of the district jurisdictions\n"
        << "district_level = 0               # > 0: the partOf depth of the districts instead\n"
        << "district_identifier_system = \"\" # district code from this identifier (\"\" = id)\n"
        << "csd_id_system = \"\"              # identifier system holding the CSD entityID (\"\" = off)\n"
        << "job_system = \"http://ihris.org/fhir/CodeSystem/ihris-job\"\n"
        << "job_code_system_file = \"\"       # job CodeSystem JSON with a cadre property\n"
        << "job_cadre_map_file = \"\"         # CSV job_code,cadre_code\n";
    out << "\n[rapidpro]   # RapidPro API v2 (central only); README.md describes each key\n"
        << "url = \"\"                          # e.g. \"https://rapidpro.example.org\" (\"\" = messaging off)\n"
        << "token = \"\"                        # API token, sent as \"Authorization: Token ...\"\n"
        << "timeout_ms = 30000                 # one HTTP request\n"
        << "poll_interval_ms = 60000           # dispatch + response polling period in mhero run\n"
        << "max_attempts_count = 5             # tries per call on 5xx / timeouts\n"
        << "backoff_initial_ms = 1000          # first wait after a 5xx / timeout, doubled each time\n"
        << "backoff_max_ms = 60000             # backoff ceiling\n"
        << "max_throttle_waits_count = 50      # 429 Retry-After waits per call before giving up\n"
        << "ca_file = \"\"                      # PEM CA file to trust instead of the system's (\"\" = system)\n"
        << "delivery_poll_max_count = 50       # broadcasts whose delivery status is polled per pass\n"
        << "delivery_poll_stop_ms = 259200000  # stop polling a message's delivery this long after its first send\n"
        << "channel_order = [\"sms\", \"whatsapp\", \"telegram\"]  # contact urn order after a worker's preferred channel\n";
    out << "\n[validation]   # health workers' answers that propose registry corrections (central); README.md\n"
        << "flows = []                         # RapidPro flow uuids or names, e.g. [\"Validate your details\"] ([] = off)\n"
        << "phone_changed_key = \"phone_changed\" # result whose \"yes\" says the number changed\n"
        << "new_phone_key = \"new_phone\"        # result holding the new number\n"
        << "left_post_key = \"left_post\"        # result whose \"yes\" says the worker left the post (\"\" = not asked)\n";
  }
  if (role == Role::central) {
    out << "\n[openhim]   # the central node as an OpenHIM mediator (README.md \"OpenHIM\")\n"
        << "url = \"\"                      # OpenHIM core API, e.g. \"https://openhim:8080\" (\"\" = off)\n"
        << "auth = \"basic\"                # basic (OpenHIM >= 7.2.1) or token (legacy auth-token headers)\n"
        << "username = \"\"                 # API user (email)\n"
        << "password = \"\"\n"
        << "ca_file = \"\"                  # PEM CA file to trust instead of the system's\n"
        << "mediator_urn = \"urn:mediator:mhero-sync-node\"\n"
        << "listen = \"\"                   # HOST:PORT of the trigger routes, e.g. \"0.0.0.0:8544\"\n"
        << "route_host = \"\"               # host OpenHIM calls them on (\"\" = listen host)\n"
        << "schedule = \"internal\"         # openhim: polling channels drive the work; internal: our timers\n"
        << "trigger_username = \"openhim\"  # Basic credentials OpenHIM's routes send\n"
        << "trigger_password = \"\"         # shared secret (required with url)\n"
        << "registry_pull_schedule = \"15 07,13 * * *\"  # polling channels' schedules (cron or \"N minutes\")\n"
        << "dispatch_schedule = \"1 minutes\"\n"
        << "responses_schedule = \"5 minutes\"\n"
        << "heartbeat_ms = 10000            # heartbeat period\n"
        << "answer_within_ms = 30000        # longer triggers answer Processing, then PUT the result\n";
  }
  if (role == Role::central) {
    out << "\n[dhis2]   # DHIS2 Web API: org units in, answers out as data values (README.md \"DHIS2\")\n"
        << "url = \"\"                 # base URL without /api, e.g. \"https://dhis2.example.org\" (\"\" = off)\n"
        << "username = \"\"            # Basic auth user, with password_file\n"
        << "password_file = \"\"       # file holding its password\n"
        << "token_file = \"\"          # or: file holding a personal access token (ApiToken)\n"
        << "ca_file = \"\"             # PEM CA file to trust instead of the system's\n"
        << "district_level = 2          # org-unit level of the districts\n"
        << "facility_level = 4          # org units at this level or deeper are facilities\n"
        << "match = \"code\"           # facility entityID = code, attribute:<uid> or id\n"
        << "page_count = 100            # pageSize of organisationUnits pages\n"
        << "timeout_ms = 60000          # one request\n"
        << "overlap_ms = 300000         # ask from the lastUpdated mark minus this\n"
        << "mapping_file = \"\"        # TOML: flow result -> data element (\"\" = no push)\n"
        << "push_interval_ms = 0        # dhis2 push inside mhero run (0 = off)\n";
  }
  out << "\n[sync]   # online replication (mhero run / sync); README.md describes each key\n"
      << (role == Role::central ? "listen = \"0.0.0.0:7447\"     # HOST:PORT to accept sessions on (\"\" = none)\n"
                                : "listen = \"\"                  # HOST:PORT to accept sessions on (\"\" = none)\n")
      << "peers = []                    # HOST:PORT to dial, e.g. [\"central.example:7447\"]\n"
      << "source_address = \"\"           # local IP address to dial from (\"\" = the system's choice)\n"
      << "batch_bytes = 65536           # entry bytes per batch (before zstd)\n"
      << "frame_bytes_max = 16777216    # largest frame accepted from a peer\n"
      << "window_min_bytes = 65536      # batch bytes in flight unacknowledged (what a cut may cost)\n"
      << "window_max_bytes = 4194304    # the window's ceiling on a fast, distant link\n"
      << "retry_initial_ms = 1000       # first backoff after a failed session\n"
      << "retry_cap_ms = 300000         # backoff ceiling (jittered)\n"
      << "poll_interval_ms = 60000      # dial even when nothing new was written\n"
      << "local_check_ms = 1000         # how often to look for new local entries\n"
      << "handshake_timeout_ms = 15000  # connect + TLS handshake deadline\n"
      << "idle_timeout_ms = 60000       # cut a session that moves no bytes this long\n"
      << "max_sessions = 256            # concurrent authenticated sessions served\n"
      << "max_pending = 64              # connections not yet through the TLS handshake\n"
      << "max_pending_per_address = 8   # such connections from one IP address\n"
      << "pending_timeout_ms = 5000     # TLS handshake deadline of an accepted connection\n"
      << "busy_retry_ms = 30000         # \"dial again after\" told to peers when max_sessions are busy\n"
      << "max_clock_skew_ms = 600000    # refuse a peer whose clock is off by more (naming the skew)\n";
  out << "\n[console]   # the reconciliation console (mhero run); README.md describes each key\n"
      << (role == Role::central ? "listen = \"0.0.0.0:8443\"     # HOST:PORT of the console (HTTPS; \"\" = off)\n"
                                : "listen = \"\"                  # HOST:PORT of the console (HTTPS; \"\" = off)\n")
      << "tls_cert = \"\"                 # PEM certificate (\"\" = self-signed console.crt here)\n"
      << "tls_key = \"\"                  # PEM key of tls_cert\n"
      << "session_idle_ms = 1800000     # a session unused this long ends\n"
      << "session_absolute_ms = 28800000  # a session ends this long after login\n"
      << "message_delayed_ms = 3600000  # a message due this long but not dispatched is flagged delayed\n"
      << "status_interval_ms = 900000   # longest gap between two nodeStatus entries\n"
      << "silent_amber_ms = 86400000    # a district silent this long is amber\n"
      << "silent_red_ms = 259200000     # a district silent this long is red\n"
      << "clock_skew_alarm_ms = 300000  # clock offset that raises an alarm\n";
  out << "\n[metrics]   # GET /metrics for Prometheus (README.md \"Monitoring\")\n"
      << "listen = \"\"                  # HOST:PORT, e.g. \"127.0.0.1:9464\" (\"\" = off)\n"
      << "token_file = \"\"              # bearer token file (0600); required off loopback\n";
  out << "\n[log]\n"
      << "format = \"text\"              # stderr lines: \"text\" or \"json\" (one object per line)\n";
  return out.str();
}

std::string string_or(const toml::table& table, std::string_view section, std::string_view key,
                      std::string fallback) {
  assert(find_config_key(section, key) && find_config_key(section, key)->type == ConfigType::string);
  return table[section][key].value_or(std::move(fallback));
}

int64_t int_or(const toml::table& table, std::string_view section, std::string_view key,
               int64_t fallback) {
  assert(find_config_key(section, key) && find_config_key(section, key)->type == ConfigType::integer);
  return table[section][key].value_or(fallback);
}

}  // namespace mhero
