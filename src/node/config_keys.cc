#include "node/config_keys.h"

#include <array>

namespace mhero {

namespace {

using T = ConfigType;
using R = StringRule;
constexpr int64_t kDayMs = 24LL * 3600 * 1000;

constexpr ConfigKey text(std::string_view section, std::string_view key, std::string_view default_text,
                         std::string_view meaning, StringRule rule = R::any) {
  return ConfigKey{section, key, T::string, "", 0, 0, rule, default_text, meaning};
}

constexpr ConfigKey number(std::string_view section, std::string_view key, std::string_view unit, int64_t min,
                           int64_t max, std::string_view default_text, std::string_view meaning) {
  return ConfigKey{section, key, T::integer, unit, min, max, R::any, default_text, meaning};
}

// clang-format off
constexpr std::array kKeys = {
  text("node", "role", "set by `mhero init`", "`central` or `district`", R::role),
  text("node", "district", "set by `mhero init`", "district location code (district nodes)", R::district_code),
  text("node", "central_key", "set by `mhero init`", "pinned central node id, 64 hex characters", R::node_id),

  text("registry", "default_region", "`\"LR\"`",
       "ISO 3166-1 region for phone numbers written without a country code"),
  text("registry", "district_authority", "`\"urn:mhero:district\"`",
       "`otherID/@assigningAuthorityName` whose `@code` is an organization's or facility's district code"),
  text("registry", "district_address_component", "`\"\"`",
       "`addressLine/@component` holding a district name when the facility/organization chain gives none (`\"\"` = off)"),
  number("registry", "chunk_records_count", "count", 1, 100000, "`500`", "registry records per entry"),
  text("registry", "district_map", "`\"\"`",
       "CSV `entityID,district_code` for facilities/organizations, used by every import and pull "
       "(a relative path is from the node directory; `registry import-csd --district-map` overrides it for one run)"),
  number("registry", "max_moved_percent", "percent", 0, 100, "`10`",
         "an import or pull that would move more than this share of the providers held in a district to "
         "another district or to unassigned stops before writing (`--force` to proceed; `100` = off)"),
  number("registry", "max_removed_percent", "percent", 0, 100, "`10`",
         "a `registry import-csd --full` that would mark more than this share of the providers held removed "
         "(a partial export given as the whole registry) stops before writing (`--force` to proceed; `100` = off)"),
  number("registry", "pull_interval_ms", "ms", 0, 30 * kDayMs, "`0`",
         "central: `mhero run` pulls from every configured source (`registry pull`) this often (`0` = off)"),
  ConfigKey{"registry", "contact_point_codes", T::string_list, "", 0, 0, R::any, "`[\"BP=sms\"]`",
            "CSD `contactPoint` codes and the channel (`sms`, `whatsapp`, `telegram`) each reaches, as `CODE=CHANNEL`; "
            "the codes `sms`, `whatsapp`, `telegram` always name their channel"},

  text("openinfoman", "url", "`\"\"` (required by `registry pull`)",
       "OpenInfoMan base URL, e.g. `http://openinfoman:8984`", R::url),
  text("openinfoman", "username", "`\"\"`", "HTTP Basic user name"),
  text("openinfoman", "password", "`\"\"`", "HTTP Basic password"),
  text("openinfoman", "provider_document", "`\"Providers\"`", "CSD document searched with provider-search"),
  text("openinfoman", "facility_document", "`\"\"`",
       "CSD document searched with facility-search (`\"\"` = skip)"),
  text("openinfoman", "organization_document", "`\"\"`",
       "CSD document searched with organization-search (`\"\"` = skip)"),
  number("openinfoman", "timeout_ms", "ms", 1, kDayMs, "`120000`", "limit for one stored-function call"),

  text("mcsd", "url", "`\"\"` (off)", "mCSD (FHIR R4) base URL, e.g. `https://ihris.example/fhir`",
       R::url),
  text("mcsd", "auth", "`\"none\"`", "`none`, `basic` (`username`, `password`) or `bearer` (`token`)"),
  text("mcsd", "username", "`\"\"`", "HTTP Basic user name"),
  text("mcsd", "password", "`\"\"`", "HTTP Basic password"),
  text("mcsd", "token", "`\"\"`", "sent as `Authorization: Bearer …`"),
  text("mcsd", "ca_file", "`\"\"`",
       "PEM CA file trusted instead of the system store (`\"\"` = system)"),
  number("mcsd", "page_count", "count", 1, 1000, "`100`", "`_count`: resources asked per page"),
  number("mcsd", "timeout_ms", "ms", 1, kDayMs, "`120000`", "limit for one page request"),
  number("mcsd", "overlap_ms", "ms", 0, kDayMs, "`300000`",
         "each pull asks from the saved high-water mark minus this (the server's clock, not ours)"),
  text("mcsd", "district_type_code", "`\"district\"`",
       "`Location.type` code marking the jurisdiction that is a district (any system)"),
  number("mcsd", "district_level", "count", 0, 16, "`0`",
         "when > 0, the jurisdiction at this depth of `partOf` (1 = root) is the district instead"),
  text("mcsd", "district_identifier_system", "`\"\"`",
       "district code = the Location identifier of this system (`\"\"` = the Location id)"),
  text("mcsd", "csd_id_system", "`\"\"`",
       "a Practitioner `identifier` of this system holds the provider's CSD entityID: a provider a CSD source "
       "also gives is then one record listing both sources (`\"\"` = off)"),
  text("mcsd", "job_system", "`\"http://ihris.org/fhir/CodeSystem/ihris-job\"`",
       "code system of the jobs in `PractitionerRole.code`"),
  text("mcsd", "job_code_system_file", "`\"\"`",
       "job CodeSystem JSON whose `cadre` property gives a job's cadre "
       "(iHRIS `CodeSystem-ihris-job.json`)"),
  text("mcsd", "job_cadre_map_file", "`\"\"`",
       "CSV `job_code,cadre_code`, for jobs the CodeSystem leaves without a cadre"),

  text("rapidpro", "url", "`\"\"`", "RapidPro base URL (http or https); `\"\"` = messaging off", R::url),
  text("rapidpro", "token", "`\"\"`", "API token, sent as `Authorization: Token …`"),
  number("rapidpro", "timeout_ms", "ms", 1, kDayMs, "`30000`", "limit for one HTTP request"),
  number("rapidpro", "poll_interval_ms", "ms", 1, kDayMs, "`60000`",
         "period of dispatch + response polling inside `mhero run`"),
  number("rapidpro", "max_attempts_count", "count", 1, 1000, "`5`",
         "tries per call on 5xx / timeouts (sends are reconciled before each retry)"),
  number("rapidpro", "backoff_initial_ms", "ms", 1, kDayMs, "`1000`",
         "first wait after a 5xx / timeout, doubled each time (at most `backoff_max_ms`); SIGTERM ends the wait at "
         "once (a request already sent is let finish, at most `timeout_ms`), and the next start reconciles before "
         "sending again"),
  number("rapidpro", "backoff_max_ms", "ms", 1, kDayMs, "`60000`", "ceiling of that wait"),
  number("rapidpro", "max_throttle_waits_count", "count", 1, 100000, "`50`",
         "HTTP 429 `Retry-After` waits per call before giving up for this pass"),
  text("rapidpro", "ca_file", "`\"\"`", "PEM CA file trusted instead of the system store (`\"\"` = system)"),
  number("rapidpro", "delivery_poll_max_count", "count", 1, 100000, "`50`",
         "broadcasts whose delivery status (`messages.json?broadcast=`) is polled per pass"),
  number("rapidpro", "delivery_poll_stop_ms", "ms", 60000, 365 * kDayMs, "`259200000`",
         "a message's delivery status is no longer polled this long after its first send (3 days)"),
  ConfigKey{"rapidpro", "channel_order", T::string_list, "", 0, 0, R::any, "`[\"sms\", \"whatsapp\", \"telegram\"]`",
            "the urn order of a health worker's RapidPro contact (RapidPro sends on the first) after the worker's own "
            "preferred channel (FHIR `telecom.rank`); a channel left out comes last"},

  ConfigKey{"validation", "flows", T::string_list, "", 0, 0, R::any, "`[]` (off)",
            "RapidPro flows (uuid or name) whose completed runs propose registry corrections on the health worker's behalf (central)"},
  text("validation", "phone_changed_key", "`\"phone_changed\"`",
       "result key whose `yes` (value or category) says the worker's number changed"),
  text("validation", "new_phone_key", "`\"new_phone\"`",
       "result key holding the new number (field `phone`; checked with libphonenumber)"),
  text("validation", "left_post_key", "`\"left_post\"`",
       "result key whose `yes` says the worker left the post (field `status` = `left`); `\"\"` = not asked"),
  text("openhim", "url", "`\"\"` (off)",
       "OpenHIM core API URL, e.g. `https://openhim:8080`; set: `mhero run` on the central node is an OpenHIM mediator",
       R::url),
  text("openhim", "auth", "`\"basic\"`",
       "API auth: `basic` (OpenHIM ≥ 7.2.1) or `token` (legacy `auth-username/auth-ts/auth-salt/auth-token`)"),
  text("openhim", "username", "`\"\"`", "OpenHIM API user (email) with `mediator-manage-all`"),
  text("openhim", "password", "`\"\"`", "its password"),
  text("openhim", "ca_file", "`\"\"`", "PEM CA file trusted for the API instead of the system store (`\"\"` = system)"),
  text("openhim", "mediator_urn", "`\"urn:mediator:mhero-sync-node\"`", "the mediator's URN in OpenHIM"),
  text("openhim", "listen", "`\"\"`",
       "`HOST:PORT` of the trigger routes (`/trigger/registry-pull`, `/trigger/dispatch`, `/trigger/responses`, `/status`)",
       R::host_port),
  text("openhim", "route_host", "`\"\"`",
       "host OpenHIM calls the triggers on (`\"\"` = the `listen` host, `localhost` for 0.0.0.0)"),
  text("openhim", "schedule", "`\"internal\"`",
       "`openhim`: OpenHIM's polling channels drive pulls and dispatch; `internal`: our own timers (OpenHIM down: internal)"),
  text("openhim", "trigger_username", "`\"openhim\"`", "Basic user OpenHIM's routes send to the triggers"),
  text("openhim", "trigger_password", "`\"\"`", "shared secret of `trigger_username` (required with `url`)"),
  text("openhim", "registry_pull_schedule", "`\"15 07,13 * * *\"`",
       "`pollingSchedule` of the registry pull channel (cron, or `\"N seconds|minutes|hours\"`)"),
  text("openhim", "dispatch_schedule", "`\"1 minutes\"`", "`pollingSchedule` of the dispatch channel"),
  text("openhim", "responses_schedule", "`\"5 minutes\"`", "`pollingSchedule` of the response poll channel"),
  number("openhim", "heartbeat_ms", "ms", 1000, 3600000, "`10000`", "period of `POST /mediators/{urn}/heartbeat`"),
  number("openhim", "answer_within_ms", "ms", 100, 3600000, "`30000`",
         "a trigger still running this long answers `Processing` and `PUT`s the result to `/transactions/{id}` later"),

  text("dhis2", "url", "`\"\"` (off)",
       "DHIS2 base URL (without `/api`), e.g. `https://dhis2.example.org`; set: `mhero dhis2 pull`, `push` and `status` work on the central node",
       R::url),
  text("dhis2", "username", "`\"\"`", "Basic auth user (with `password_file`)"),
  text("dhis2", "password_file", "`\"\"`", "file holding that user's password (first line)"),
  text("dhis2", "token_file", "`\"\"`",
       "file holding a personal access token, sent as `Authorization: ApiToken …` (instead of username)"),
  text("dhis2", "ca_file", "`\"\"`", "PEM CA file trusted instead of the system store (`\"\"` = system)"),
  number("dhis2", "district_level", "count", 1, 16, "`2`", "the org-unit level whose org units are districts"),
  number("dhis2", "facility_level", "count", 2, 16, "`4`",
         "org units at this level or deeper are facilities (the rest organizations)"),
  text("dhis2", "match", "`\"code\"`",
       "what names a facility org unit's record (its CSD/mCSD entityID): `code`, `attribute:<uid>` or `id`"),
  number("dhis2", "page_count", "count", 1, 10000, "`100`", "`pageSize` of `organisationUnits` pages"),
  number("dhis2", "timeout_ms", "ms", 1, kDayMs, "`60000`", "limit for one request"),
  number("dhis2", "overlap_ms", "ms", 0, kDayMs, "`300000`",
         "each pull asks `lastUpdated:gt:` the saved high-water mark minus this (the server's clock)"),
  text("dhis2", "mapping_file", "`\"\"`",
       "TOML file mapping flow result keys to data elements (README.md \"DHIS2\"); `\"\"` = no push"),
  number("dhis2", "push_interval_ms", "ms", 0, 365 * kDayMs, "`0`",
         "period of `mhero dhis2 push` inside `mhero run` on the central node; 0 = off"),

  text("sync", "listen", "central `\"0.0.0.0:7447\"`, district `\"\"`",
       "`HOST:PORT` to accept sync sessions on; `\"\"` = none", R::host_port),
  ConfigKey{"sync", "peers", T::string_list, "", 0, 0, R::peer, "`[]`",
            "`HOST:PORT` of each node to dial (a district: the central node)"},
  text("sync", "source_address", "`\"\"`",
       "local IP address to dial peers from (a server with two uplinks, e.g. VSAT and 3G); `\"\"` = the system's choice",
       R::ip_address),
  number("sync", "batch_bytes", "bytes", 1024, (16 << 20) - 4096, "`65536`",
         "entry bytes per batch before zstd (the maximum fits the default `frame_bytes_max`); halved per peer, "
         "down to 1024, while its link cuts sessions before a batch is acknowledged; kept while sessions are cut after an "
         "ack; doubled back after each session that ends whole"),
  number("sync", "frame_bytes_max", "bytes", 64 * 1024, 1 << 30, "`16777216`",
         "largest frame accepted from a peer (at least `batch_bytes` + 4096)"),
  number("sync", "window_min_bytes", "bytes", 0, 1 << 30, "`65536`",
         "compressed batch bytes a sender keeps in flight unacknowledged on any link: what a cut may cost (0 and `window_max_bytes` 0 = one batch at a time)"),
  number("sync", "window_max_bytes", "bytes", 0, 1 << 30, "`4194304`",
         "ceiling of that window, which grows to the measured bandwidth × round trip of a fast, distant link"),
  number("sync", "retry_initial_ms", "ms", 1, kDayMs, "`1000`", "first backoff after a failed session (at most `retry_cap_ms`)"),
  number("sync", "retry_cap_ms", "ms", 1, kDayMs, "`300000`", "backoff ceiling (each delay jittered to 50–100 %)"),
  number("sync", "poll_interval_ms", "ms", 10, kDayMs, "`60000`", "dial even when nothing new was written"),
  number("sync", "local_check_ms", "ms", 10, kDayMs, "`1000`", "how often the daemon looks for new local entries"),
  number("sync", "handshake_timeout_ms", "ms", 10, kDayMs, "`15000`", "connect + TLS handshake deadline"),
  number("sync", "idle_timeout_ms", "ms", 10, kDayMs, "`60000`", "a session that moves no bytes this long is cut"),
  number("sync", "max_sessions", "count", 1, 100000, "`256`",
         "concurrent authenticated sessions a listener serves; more are told busy (`busy_retry_ms`)"),
  number("sync", "max_pending", "count", 1, 100000, "`64`",
         "accepted connections not yet through the TLS handshake; a new one cuts one of the busiest address (README \"Strangers\")"),
  number("sync", "max_pending_per_address", "count", 1, 100000, "`8`",
         "such connections from one IP address; a new one cuts one of them past its grace, or is turned away"),
  number("sync", "pending_timeout_ms", "ms", 100, kDayMs, "`5000`",
         "an accepted connection must finish its TLS handshake within this"),
  number("sync", "busy_retry_ms", "ms", 1000, kDayMs, "`30000`",
         "a peer turned away because `max_sessions` are running is told to dial again after this"),
  number("sync", "max_clock_skew_ms", "ms", 1000, 365 * kDayMs, "`600000`",
         "a peer whose clock differs from this node's by more is refused, naming the skew and the fix"),

  text("console", "listen", "central `\"0.0.0.0:8443\"`, district `\"\"`",
       "`HOST:PORT` the reconciliation console (HTTPS) is served on; `\"\"` = off", R::host_port),
  text("console", "tls_cert", "`\"\"`",
       "PEM certificate chain for the console; `\"\"` = self-signed `console.crt` made in the node directory"),
  text("console", "tls_key", "`\"\"`", "PEM private key of `tls_cert` (set both or neither)"),
  number("console", "session_idle_ms", "ms", 60000, kDayMs, "`1800000`",
         "a console session unused this long ends (30 min)"),
  number("console", "session_absolute_ms", "ms", 60000, 7 * kDayMs, "`28800000`",
         "a console session ends this long after login, used or not (8 h)"),
  number("console", "message_delayed_ms", "ms", 1000, 365 * kDayMs, "`3600000`",
         "a message due this long but not dispatched is flagged delayed on the Messages page (1 h)"),
  number("console", "status_interval_ms", "ms", 1000, 7 * kDayMs, "`900000`",
         "the longest a node waits between two `nodeStatus` entries (15 min)"),
  number("console", "silent_amber_ms", "ms", 1000, 365 * kDayMs, "`86400000`",
         "a district silent this long shows amber on the console (24 h)"),
  number("console", "silent_red_ms", "ms", 1000, 365 * kDayMs, "`259200000`",
         "a district silent this long shows red (72 h)"),
  number("console", "clock_skew_alarm_ms", "ms", 1000, kDayMs, "`300000`",
         "a node whose clock is off by more than this raises an alarm (5 min)"),

  text("metrics", "listen", "`\"\"` (off)",
       "`HOST:PORT` serving `GET /metrics` (Prometheus text format, plain HTTP), e.g. `127.0.0.1:9464`",
       R::host_port),
  text("metrics", "token_file", "`\"\"`",
       "file (mode 0600) holding the bearer token scrapes must send; required when `listen` is not loopback"),

  text("log", "format", "`\"text\"`",
       "`mhero run`'s log lines on stderr: `text`, or `json` (one object per line: time, level, component, message)"),
};
// clang-format on

}  // namespace

std::span<const ConfigKey> config_keys() { return kKeys; }

const ConfigKey* find_config_key(std::string_view section, std::string_view key) {
  for (const ConfigKey& k : kKeys) {
    if (k.section == section && k.key == key) return &k;
  }
  return nullptr;
}

bool known_config_section(std::string_view section) {
  for (const ConfigKey& k : kKeys) {
    if (k.section == section) return true;
  }
  return false;
}

const char* config_type_name(ConfigType type) {
  switch (type) {
    case ConfigType::string: return "string";
    case ConfigType::integer: return "integer";
    case ConfigType::string_list: return "list of strings";
  }
  return "?";
}

std::string config_keys_markdown() {
  std::string out = "| key | type | unit | range | default | meaning |\n|---|---|---|---|---|---|\n";
  for (const ConfigKey& k : kKeys) {
    std::string range = k.type == ConfigType::integer ? std::to_string(k.min) + " – " + std::to_string(k.max) : "";
    out += "| `[" + std::string(k.section) + "] " + std::string(k.key) + "` | " + config_type_name(k.type) + " | " +
           std::string(k.unit) + " | " + range + " | " + std::string(k.default_text) + " | " +
           std::string(k.meaning) + " |\n";
  }
  return out;
}

}  // namespace mhero
