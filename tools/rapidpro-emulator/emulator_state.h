// Private to the RapidPro emulator: its in-memory org and the endpoint handlers (one file each
// for contacts, sends and results). All functions run under Emulator's mutex.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator.h"

namespace mhero::rapidpro_emulator {

using json = nlohmann::json;
using ms = std::chrono::milliseconds;

struct Contact {
  long id = 0;
  std::string uuid, name, language;
  std::vector<std::string> urns;
  std::vector<std::pair<std::string, std::string>> groups;  // (uuid, name)
  json fields = json::object();
  ms created{0}, modified{0};
  bool deleted = false;  // Deleted in RapidPro: unknown to sends, updates and listings.
};

struct Broadcast {
  long id = 0;
  std::string uuid;
  json text;
  std::vector<std::string> urns, contacts;
  ms created{0};
};

struct FlowStart {
  long id = 0;
  std::string uuid, flow;
  std::vector<std::string> urns, contacts;
  json extra;
  ms created{0};
};

struct Run {
  long id = 0;
  std::string uuid, flow, contact, start;
  bool responded = false;
  json values = json::object();
  ms created{0}, modified{0};
  std::optional<ms> exited;
  ms due{0};
  bool answered = false;
};

struct Message {
  long id = 0;
  std::string uuid, contact, urn, direction, text, flow;
  ms created{0};
  std::string status;  // RapidPro status: "handled" (incoming), queued … failed (outgoing).
  long broadcast = 0;  // Id of the broadcast that made it (outgoing), 0 = none.
};

/// The status of the `index`-th SMS of a broadcast: `pattern`[index % size] (emulator.h).
std::string delivery_status(const std::string& pattern, size_t index);

struct FlowDef {
  long id = 0;
  std::string uuid, name, type = "message";
  bool archived = false;
  unsigned expires_minutes = 10080;
  ms created{0}, modified{0};
};

struct PendingReply {
  std::string contact;
  ms due{0};
};

struct Emulator::State {
  std::vector<Contact> contacts;
  std::map<std::string, size_t> contact_by_uuid, contact_by_urn;
  std::map<std::string, std::string> groups;  // name -> uuid
  std::vector<Broadcast> broadcasts;
  std::vector<FlowStart> flow_starts;
  std::vector<Run> runs;
  std::vector<Message> messages;
  std::vector<PendingReply> replies;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> answers_by_urn;  // Emulator::answer_as.
  std::vector<FlowDef> flows;
  std::vector<Delivery> deliveries;
  std::map<std::string, size_t> delivered_by_urn;
  std::set<std::pair<std::string, std::string>> delivered_pairs;  // (urn, text)
  size_t duplicates = 0;  // Deliveries of a text a urn had already received.
  std::map<std::string, size_t> calls;
  size_t request_count = 0;
  int throttle_left = 0, fail_left = 0, fail_status = 503;
  int send_fail_left = 0, send_fail_status = 503;
  bool send_fail_process = false;
  long next_id = 1;
  ms last_contact_write{0};

  std::string new_uuid(unsigned kind);
  /// modified_on for a contact written at `now`: strictly after every earlier contact write (a
  /// real RapidPro stamps microseconds, so two saves practically never share one; this
  /// emulator counts milliseconds and may run ahead of its clock by a few when writes crowd).
  ms contact_stamp(ms now) { return last_contact_write = std::max(now, last_contact_write + ms(1)); }
  void deliver(const std::string& urn, const std::string& source, const std::string& text);
};

struct Ctx {
  Emulator::State& state;
  const EmulatorOptions& options;
  ms now;
};

// Helpers (emulator.cc).
std::string iso(ms t);
net::HttpResponse error_400(const json& body);
net::HttpResponse not_found_404();
/// `items` already filtered and ordered; applies ?cursor= and builds next/previous URLs.
net::HttpResponse page(const std::vector<json>& items, const net::HttpRequest& req, size_t page_size);
/// The same for `total` items built on demand (only the requested page is serialised).
net::HttpResponse page_lazy(size_t total, const std::function<json(size_t)>& item, const net::HttpRequest& req,
                            size_t page_size);
/// A listing's ?after= / ?before= bounds (inclusive; an absent one does not bound).
struct TimeWindow {
  std::optional<ms> after, before;
  bool contains(ms t) const { return (!after || t >= *after) && (!before || t <= *before); }
};
/// The request's window; nullopt when either bound is malformed (answer bad_time_window_400()).
std::optional<TimeWindow> time_window(const net::HttpRequest& req);
/// RapidPro's 400 for a malformed ?after= / ?before=.
net::HttpResponse bad_time_window_400();
bool valid_urn(const std::string& urn);
json contact_ref(const Ctx& ctx, const std::string& uuid);

// Endpoints.
net::HttpResponse get_contacts(Ctx& ctx, const net::HttpRequest& req);
net::HttpResponse post_contacts(Ctx& ctx, const net::HttpRequest& req);
net::HttpResponse get_broadcasts(Ctx& ctx, const net::HttpRequest& req);
net::HttpResponse post_broadcasts(Ctx& ctx, const net::HttpRequest& req);
net::HttpResponse get_flow_starts(Ctx& ctx, const net::HttpRequest& req);
net::HttpResponse post_flow_starts(Ctx& ctx, const net::HttpRequest& req);
net::HttpResponse get_runs(Ctx& ctx, const net::HttpRequest& req);
net::HttpResponse get_messages(Ctx& ctx, const net::HttpRequest& req);
net::HttpResponse get_flows(Ctx& ctx, const net::HttpRequest& req);
/// Makes due answers and replies visible (runs completed, incoming messages).
void materialise_answers(Ctx& ctx);
json contact_json(const Contact& c, const EmulatorOptions& options);

}  // namespace mhero::rapidpro_emulator
