// An in-process RapidPro server (RapidPro API v2, shapes as in shared/data/rapidpro-v2/) for tests,
// the demo and the dispatch benchmark. Endpoints: contacts.json (GET ?uuid= ?urn= ?after= ?before=
// on modified_on, ?deleted=true for contacts deleted (modified_on = when), POST
// create / ?uuid= ?urn= update), broadcasts.json and flow_starts.json (GET, POST), runs.json and
// messages.json (GET, ?after= ?before=, messages ?folder=incoming), fields.json, groups.json,
// flows.json (emulator_flows.cc: the documented fields, ?uuid= ?type= ?archived= ?after= ?before=).
// messages.json also takes ?broadcast=<id> (RapidPro's broadcast filter; not with
// ?folder=, an integer, else 400) and gives each SMS of a broadcast a status from
// `delivery_pattern`, deterministic per broadcast (the i-th recipient gets pattern[i % size]).
// Lists are `{next, previous, results}` with cursor pagination, 250 per page, newest
// first. `Authorization: Token <token>` is required (401 otherwise). Validation errors are 400 with
// RapidPro-like bodies. Throttling: 429 with Retry-After (seconds).
//
// Simulated health workers answer each flow start after `answer_delay` of SIMULATED time (the
// injected clock): their run gets the scripted values, `responded`, `exit_type: completed`, and
// an incoming message carries the raw text. Answers become visible on the first request at or
// after the due time (or on advance()).
//
// Emulator-only endpoint: GET /emulator/deliveries.json -> {"total": n, "duplicates": d (same
// text to the same urn again),
// "by_urn": {"tel:+…": count}, "calls": {"POST /api/v2/broadcasts.json": n, …}}.
//
// Thread-safety: all methods are thread-safe (one mutex), so tests can inspect it while an
// HttpServer thread serves it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/http_message.h"
#include "util/clock.h"

namespace mhero::rapidpro_emulator {

struct EmulatorOptions {
  std::string token = "emulator-token";
  std::vector<std::string> field_keys = {"globalid", "district", "cadre"};  // Contact fields that exist.
  std::map<std::string, std::string> flows;  // flow uuid -> name.
  std::vector<std::pair<std::string, std::string>> flow_answers = {{"answer", "yes"}};  // result -> value
  std::chrono::milliseconds answer_delay{std::chrono::minutes(5)};  // Simulated time.
  /// Share of flow runs that are answered (0..1), chosen per run by a hash of its uuid, so the
  /// same requests give the same answers; the others stay unanswered (no response, as when a
  /// health worker ignores the survey).
  double answer_share = 1.0;
  /// When > 0: each answer comes answer_delay plus up to this much later (by a hash of the run
  /// uuid), stamped with the time it was answered rather than the time the emulator noticed it
  /// was due. A simulation that moves its clock in large steps (tools/countrysim) then sees
  /// answers spread out as real ones are, instead of a whole survey stamped at one instant.
  std::chrono::milliseconds answer_spread{0};
  std::string broadcast_reply;  // When non-empty, every broadcast recipient replies this text.
  int throttle_every = 0;       // When > 0, every Nth API request is refused with 429.
  int retry_after_seconds = 1;  // Retry-After sent with 429.
  size_t page_size = 250;
  /// Status of the i-th SMS of each broadcast: one letter per position, repeated: d delivered,
  /// s sent, w wired, q queued, e errored, f failed (RapidPro API v2 message status values).
  std::string delivery_pattern = "dfdedsdw";
};

struct Delivery {
  std::string urn;          // "tel:+E164", "whatsapp:E164-digits", "telegram:chat-id"
  std::string source_uuid;  // Broadcast or flow start uuid.
  std::string text;         // Text sent, or "flow:<uuid>".
};

class Emulator {
 public:
  Emulator(const Clock& clock, EmulatorOptions options);
  ~Emulator();

  /// Serves one HTTP request (the HttpServer handler).
  net::HttpResponse handle(const net::HttpRequest& request);

  /// Makes due simulated answers visible now.
  void advance();

  // Test controls.
  void throttle_next(int count);                // The next `count` API requests get 429.
  void fail_next(int count, int status = 503);  // The next `count` API requests get `status`.
  /// The next `count` sends (POST broadcasts/flow_starts) answer `status`; with `process_anyway`
  /// the send happens first (as when a proxy times out after RapidPro acted on it).
  void fail_next_send(int count, int status = 503, bool process_anyway = false);
  /// Creates or changes a flow (as if edited in the RapidPro UI): flows.json lists it.
  void set_flow(const std::string& uuid, const std::string& name, bool archived = false,
                const std::string& type = "message");
  /// Deletes the contact holding `urn` (as staff do in the RapidPro UI): sends naming its uuid get
  /// 400 "No such object", updates 404, listings leave it out (?deleted=true lists it, modified_on = now); the urn is free for a new contact.
  void delete_contact(const std::string& urn);
  /// Drops every message from messages.json, as RapidPro's archiving of old messages does (or a
  /// RapidPro restored from a backup older than the sends).
  void archive_messages();
  /// The contact with `urn` answers every later flow start with `values` (result -> value)
  /// instead of EmulatorOptions::flow_answers (e.g. a validation flow's "phone_changed", "new_phone").
  void answer_as(const std::string& urn, std::vector<std::pair<std::string, std::string>> values);
  /// Creates a contact directly (as if made in the RapidPro UI), e.g. with groups to keep.
  std::string add_contact(const std::string& name, const std::string& urn,
                          const std::vector<std::string>& groups,
                          const std::map<std::string, std::string>& fields = {});

  // Observations.
  std::vector<Delivery> deliveries() const;
  /// Deliveries to `urn` ("tel:+…").
  size_t delivered_count(const std::string& urn) const;
  /// Deliveries of a text to a urn that had already received that same text (a message
  /// reaching a health worker twice).
  size_t duplicate_count() const;
  /// API calls by "METHOD /path" (throttled and failed ones included).
  std::map<std::string, size_t> calls() const;
  size_t total_calls() const;
  size_t contact_count() const;
  /// Group names of the contact with this urn (empty when unknown).
  std::vector<std::string> contact_groups(const std::string& urn) const;
  /// Fields of the contact with this urn.
  std::map<std::string, std::string> contact_fields(const std::string& urn) const;
  /// Every urn of the contact holding `urn`, in RapidPro's priority order (empty when none).
  std::vector<std::string> contact_urns(const std::string& urn) const;

  struct State;

 private:
  const Clock& clock_;
  EmulatorOptions options_;
  mutable std::mutex mu_;
  std::unique_ptr<State> state_;
};

}  // namespace mhero::rapidpro_emulator
