// An OpenHIM core stand-in (tests and demo) for the parts the mHero central node uses as a
// mediator. OpenHIM core cannot run here (it needs MongoDB); this follows jembi/openhim-core-js
// (src/api/authentication.js, src/api/mediators.js, src/api/transactions.js, src/polling.js,
// src/middleware/router.js) and docs/dev-guide/mediators.md:
//
//   API (every route but /authenticate needs one of the two auth schemes):
//     GET  /authenticate/{email}           → {"salt", "ts"} (legacy token scheme, step 1)
//     POST /mediators                      → 201; a new urn needs semver version + ≥1 endpoint;
//                                            the same or a lower version re-registered changes
//                                            nothing; a higher one updates, keeping config values
//     GET  /mediators/{urn}                → the mediator (passwords masked)
//     POST /mediators/{urn}/channels       → 201; [] installs every defaultChannelConfig, a list
//                                            of names only those (400 for an unknown name)
//     POST /mediators/{urn}/heartbeat      → {"uptime": s[, "config": true]}: 404 unknown urn,
//                                            400 without uptime; body = config when it changed
//                                            since the last heartbeat (or config:true), else ""
//     PUT  /mediators/{urn}/config         → 200; 400 when a param is not in configDefs or has
//                                            the wrong type (core validateConfig)
//     GET  /channels                       → installed channels
//     POST /channels/{id}/trigger          → 200 at once; the channel runs in the background
//     GET  /transactions                   → every recorded transaction, oldest first
//     PUT  /transactions/{id}              → top-level keys replace fields; {"$push":
//                                            {"orchestrations": o}} appends; 404 unknown id
//   Auth: `Authorization: Basic base64(email:password)` (core ≥ 7.2.1), or the headers
//   auth-username, auth-ts (ISO 8601, within ±auth_window of now), auth-salt and
//   auth-token = sha512hex(sha512hex(salt + password) + auth-salt + auth-ts). Else 401.
//
//   Polling channels: run_channel() does what an Agenda job does: it records a transaction
//   ("Processing"), then GETs every enabled route (route path, Basic auth from the route's
//   username/password) with the headers channel-id, X-OpenHIM-LastRunAt (the run's start, as
//   JavaScript Date.toString() in UTC: "Wed Dec 02 2026 13:44:34 GMT+0000 (Coordinated Universal
//   Time)") and X-OpenHIM-TransactionID, waiting at most router_timeout (then the transaction is
//   "Failed" with error "Request took longer than N ms"). An application/json+openhim reply's
//   status overrides the computed one; its response, orchestrations and properties are stored,
//   bodies truncated at truncate_bytes (core api.truncateSize). start_scheduler() runs enabled
//   polling channels on their pollingSchedule ("N seconds|minutes|hours" or 5-field cron with
//   *, */N, numbers and lists; evaluated in UTC).
//
// Thread-safety: every public member may be called from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/http_message.h"
#include "util/status.h"

namespace mhero::openhim_emulator {

struct EmulatorOptions {
  std::string email = "root@openhim.org";  // The API user (an admin).
  std::string password = "openhim-password";
  std::string salt = "4e0d1a5d-3b9c-4a1f-9d27-5c1a3c3f9b10";  // The user's passwordSalt.
  std::chrono::seconds auth_window{10};                        // api.authWindowSeconds.
  std::chrono::milliseconds router_timeout{60'000};            // router.timeout.
  size_t truncate_bytes = 15'000;                              // api.truncateSize.
  std::optional<std::string> route_ca_file;                    // For https routes (secured).
};

/// "Wed Dec 02 2026 13:44:34 GMT+0000 (Coordinated Universal Time)": JavaScript's
/// Date.prototype.toString() of `t` in the UTC time zone.
std::string js_date_string(std::chrono::system_clock::time_point t);

/// Now as JavaScript's Date.toISOString(): "2026-12-02T13:44:34.123Z".
std::string iso_now();

/// sha512 of `text`, lowercase hex (the legacy auth scheme's hash).
std::string sha512_hex(const std::string& text);

/// The four legacy-scheme headers for `email`/`password` with the salt from GET /authenticate
/// and `ts` (ISO 8601), as openhim-mediator-utils auth.js computes them.
net::HttpHeaders legacy_auth_headers(const std::string& email, const std::string& password,
                                     const std::string& salt, const std::string& ts);

/// Next start of a pollingSchedule after `after`: "N seconds|minutes|hours" (Agenda's human
/// interval) or a 5-field cron line. Errors: invalid_argument naming the schedule.
Result<std::chrono::system_clock::time_point> next_run(const std::string& schedule,
                                                       std::chrono::system_clock::time_point after);

class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();  // Stops the scheduler and waits for background channel runs.
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  /// The API (see above).
  net::HttpResponse handle(const net::HttpRequest& request);

  /// Runs the polling channel named `name` (or with that _id) once, now, in this thread; returns
  /// the transaction's _id. Errors: not_found (no such channel).
  Result<std::string> run_channel(const std::string& name);

  /// Every transaction, oldest first (GET /transactions).
  nlohmann::json transactions() const;
  /// The transaction `id`, or null.
  nlohmann::json transaction(const std::string& id) const;
  /// The mediator `urn` as stored (passwords not masked), or null.
  nlohmann::json mediator(const std::string& urn) const;
  /// As PUT /mediators/{urn}/config. Errors: not_found, invalid_argument (validateConfig).
  Status set_config(const std::string& urn, const nlohmann::json& config);
  /// Installed channels.
  nlohmann::json channels() const;
  /// Heartbeats received for `urn`.
  size_t heartbeats(const std::string& urn) const;
  /// Registrations (POST /mediators answered 201) received.
  size_t registrations() const;
  /// Requests refused with 401.
  size_t refused() const;
  void set_router_timeout(std::chrono::milliseconds timeout);

  /// Starts / stops the polling scheduler thread (idempotent).
  void start_scheduler();
  void stop_scheduler();

 private:
  struct Mediator {
    nlohmann::json doc;  // As registered, config included.
    std::chrono::system_clock::time_point config_modified{}, last_heartbeat{};
    size_t heartbeats = 0;
  };
  bool authenticated(const net::HttpRequest& request) const;
  net::HttpResponse register_mediator(const nlohmann::json& body);
  net::HttpResponse heartbeat(const std::string& urn, const nlohmann::json& body);
  net::HttpResponse install_channels(const std::string& urn, const nlohmann::json& body);
  net::HttpResponse update_transaction(const std::string& id, const nlohmann::json& body);
  net::HttpResponse trigger_channel(const std::string& id);
  std::optional<nlohmann::json> find_channel(const std::string& name_or_id) const;
  void store_route_reply(const std::string& id, const nlohmann::json& route, Result<net::HttpResponse> reply);
  std::string new_id();
  void scheduler_loop();

  EmulatorOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Mediator> mediators_;
  std::vector<nlohmann::json> channels_;
  std::vector<nlohmann::json> transactions_;
  uint64_t next_id_ = 1;
  size_t registrations_ = 0;
  mutable size_t refused_ = 0;

  std::mutex scheduler_mu_;
  std::condition_variable scheduler_cv_;
  bool scheduler_stop_ = false;
  std::thread scheduler_;
  std::vector<std::thread> background_;  // Manual triggers; joined by the destructor.
};

}  // namespace mhero::openhim_emulator
