#include "messaging/dispatcher.h"

#include <capnp/message.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "integrations/json_fields.h"
#include "integrations/rapidpro_time.h"
#include "messaging/message_view.h"
#include "ops/metrics.h"

namespace mhero {

using json = nlohmann::json;

json send_body(const MessageRecord& m, const BatchRecord& b) {
  // Workers sharing a phone share a contact: each contact once (one SMS per phone). A batch
  // limited to channels names its urns instead (RapidPro API v2 broadcasts / flow_starts `urns`).
  std::vector<std::string> contacts;
  std::set<std::string> seen;
  for (const auto& c : b.contact_uuids) {
    if (seen.insert(c).second) contacts.push_back(c);
  }
  const char* field = b.urns.empty() ? "contacts" : "urns";
  json to = b.urns.empty() ? json(contacts) : json(b.urns);
  if (!m.flow_uuid.empty()) {
    return {{"flow", m.flow_uuid}, {field, to}, {"restart_participants", true},
            {"extra", {{"mhero_message", m.id}, {"mhero_batch", b.batch}}}};
  }
  json body{{field, to}};
  if (m.texts.size() == 1 && m.texts[0].first.empty()) {
    body["text"] = m.texts[0].second;
  } else {
    json text = json::object();
    for (auto& [lang, t] : m.texts) text[lang.empty() ? "eng" : lang] = t;
    body["text"] = text;
    body["base_language"] = m.texts.empty() || m.texts[0].first.empty() ? "eng" : m.texts[0].first;
  }
  return body;
}

Dispatcher::Dispatcher(LogStore& store, const NodeKey& key, const Clock& clock, RapidProClient& client,
                       ContactSync& contacts, const WorkerDirectory& directory, DispatcherOptions options)
    : store_(store), key_(key), clock_(clock), client_(client), contacts_(contacts), directory_(directory),
      options_(options) {
  options_.batch_size = std::clamp<size_t>(options_.batch_size, 1, 100);
}

std::string Dispatcher::scope_of(const MessageRecord& m) const {
  return m.scope.starts_with("district/") ? m.scope : "national";
}

Status Dispatcher::step(std::string_view name) {
  if (fault_ && fault_(name)) return aborted("injected crash after step '" + std::string(name) + "'");
  return {};
}

Status Dispatcher::write(const MessageRecord& m, const BatchRecord& record) {
  capnp::MallocMessageBuilder builder;
  batch_to_capnp(record, builder.initRoot<schema::Payload>().initDispatch());
  auto r = store_.append(key_, scope_of(m), builder.getRoot<schema::Payload>().asReader());
  if (!r.ok() && r.status().code() == StatusCode::resource_exhausted) {
    // Stops the pass here, as a crash would: an intent not written means nothing was sent; an
    // outcome not written leaves its intent, reconciled with RapidPro at the next pass.
    return resource_exhausted(
        "message " + m.id + " batch " + std::to_string(record.batch) + ": the disk is full, so its " +
        (record.phase.empty() ? std::string("dispatch") : record.phase) + " record was not written (" +
        r.status().message() + "). Dispatch stopped: nothing more is sent until disk space is freed; a batch "
        "RapidPro already accepted is found again at the next pass and never sent twice");
  }
  return r.status();
}

Status Dispatcher::write_outcome(const MessageRecord& m, const BatchRecord& b) {
  MHERO_RETURN_IF_ERROR(write(m, b));
  if (metrics_) {
    metrics_->counter("mhero_dispatch_batches_total", "RapidPro send batches settled, by outcome.",
                      {{"outcome", b.phase}})
        .inc();
    if (b.phase == "sent") {
      metrics_->counter("mhero_dispatch_recipients_total", "Health workers handed to RapidPro.")
          .inc(static_cast<double>(b.recipient_count));
    }
  }
  return step("outcome");
}

Status Dispatcher::write_next_attempt(const MessageRecord& m, BatchRecord& b) {
  ++b.attempt;
  b.called_at_ms = clock_.now().count();
  MHERO_RETURN_IF_ERROR(write(m, b));
  return step("intent");
}

Status Dispatcher::run_once() {
  batches_this_pass_ = 0;
  MHERO_ASSIGN_OR_RETURN(auto messages, list_unfinished_messages(store_.views()));
  std::stable_sort(messages.begin(), messages.end(), [](const MessageState& a, const MessageState& b) {
    if (a.message.urgent != b.message.urgent) return a.message.urgent;
    return a.message.written_ms < b.message.written_ms;
  });
  for (const auto& state : messages) {
    if (state.summary) continue;
    MHERO_RETURN_IF_ERROR(dispatch(state));
  }
  // Moves the kept contact index's cursor past this pass's upserts (no call when none).
  return contacts_.checkpoint();
}

namespace {

bool same_text(const json& ours, const json& theirs) {
  if (ours == theirs) return true;
  if (ours.is_string() && theirs.is_object()) {
    for (auto& [k, v] : theirs.items()) {
      if (v == ours) return true;
    }
  }
  return false;
}

/// Records `b` as sent: the broadcast or flow start `uuid` RapidPro made, to every contact;
/// `broadcast_id` is the broadcast's integer id when known (0 = not known: a reconciled send).
void mark_sent(const MessageRecord& m, BatchRecord& b, const std::string& uuid, int64_t broadcast_id = 0) {
  b.phase = "sent";
  (m.flow_uuid.empty() ? b.broadcast_uuids : b.flow_start_uuids) = {uuid};
  if (m.flow_uuid.empty() && broadcast_id > 0) b.broadcast_ids = {broadcast_id};
  b.recipient_count = static_cast<uint32_t>(b.contact_uuids.size());
}

/// The urns of a listed broadcast (`urns`: strings).
std::set<std::string> urn_set(const json& urns) {
  std::set<std::string> out;
  if (!urns.is_array()) return out;
  for (auto& u : urns) {
    if (u.is_string()) out.insert(u.get<std::string>());
  }
  return out;
}

std::set<std::string> contact_set(const json& contacts) {
  std::set<std::string> out;
  if (!contacts.is_array()) return out;
  for (auto& c : contacts) {
    if (c.is_object() && c.contains("uuid")) out.insert(json_string(c, "uuid"));
    if (c.is_string()) out.insert(c.get<std::string>());
  }
  return out;
}

}  // namespace

Result<std::optional<std::string>> Dispatcher::find_sent(const MessageRecord& m, const BatchRecord& b) {
  bool flow = !m.flow_uuid.empty();
  json ours = send_body(m, b);
  std::set<std::string> want(b.contact_uuids.begin(), b.contact_uuids.end());
  std::set<std::string> want_urns(b.urns.begin(), b.urns.end());
  // A send made by urns is listed with the urns it was given (broadcasts; flow starts of recent
  // RapidPro versions), or, by older versions, with the contacts RapidPro found for them: the
  // ones this batch made sure of.
  auto same_recipients = [&](const json& item) {
    if (!b.urns.empty() && urn_set(json_field(item, "urns")) == want_urns) return true;
    return contact_set(json_field(item, "contacts")) == want;
  };
  auto after = std::chrono::milliseconds(b.called_at_ms) - options_.reconcile_slack;
  std::optional<std::string> found;
  Status bad;
  MHERO_RETURN_IF_ERROR(client_.list_all(
      flow ? "flow_starts.json" : "broadcasts.json", {{"after", format_rapidpro_time(after)}}, [&](const json& item) {
        if (found) return Status{};
        // Fields read with json_fields.h: an item of any shape is skipped, never thrown on.
        std::string uuid = json_string(item, "uuid");
        if (uuid.empty() || !same_recipients(item)) return Status{};
        if (flow) {
          const json& extra = json_field(item, "extra").is_object() ? json_field(item, "extra") : json_field(item, "params");
          if (!extra.is_object() || json_string(extra, "mhero_message") != m.id ||
              json_field(extra, "mhero_batch") != json(b.batch)) {
            return Status{};
          }
        } else if (!same_text(ours["text"], json_field(item, "text"))) {
          return Status{};
        }
        auto claimed = store_.views().get(send_uuid_key(uuid));
        if (!claimed.ok()) {
          bad = claimed.status();
          return bad;
        }
        if (!claimed->has_value()) found = uuid;  // Not the outcome of another batch.
        return Status{};
      }));
  MHERO_RETURN_IF_ERROR(bad);
  return found;
}

Status Dispatcher::send_batch(const MessageRecord& m, BatchRecord& b, bool* message_failed) {
  const bool flow = !m.flow_uuid.empty();
  auto backoff = client_.config().backoff_initial;
  for (int attempt = 1;; ++attempt) {
    auto reply = client_.post(flow ? "flow_starts.json" : "broadcasts.json", send_body(m, b));
    if (reply.ok()) {
      ++sends_;
      MHERO_RETURN_IF_ERROR(step("post"));
      if (reply->ok()) {
        const json& id = json_field(reply->body, "id");
        mark_sent(m, b, json_string(reply->body, "uuid"), id.is_number_integer() ? id.get<int64_t>() : 0);
      } else {
        b.phase = "failed";
        b.error = reply->error;
        *message_failed = true;
        if (reply->status == 400 && reply->error.find("No such object") != std::string::npos &&
            reply->error.find("contacts") != std::string::npos) {
          // Contacts deleted in RapidPro since this process listed them: list them again, so the
          // next send makes them anew instead of failing the same way.
          contacts_.forget_all();
          b.error += " (contacts deleted in RapidPro since this node listed them; they are made again at the "
                     "next send: send this message again)";
        }
        spdlog::warn("dispatch: RapidPro refused message {} batch {}: HTTP {}", m.id, b.batch, reply->status);
      }
      return write_outcome(m, b);
    }
    if (reply.status().code() != StatusCode::unavailable || attempt >= options_.send_attempts) return reply.status();
    // Unknown fate (timeout, 5xx): wait, then look before sending again.
    spdlog::warn("dispatch: message {} batch {}: {}; reconciling", m.id, b.batch, reply.status().message());
    if (!client_.wait(backoff)) {
      return unavailable("message " + m.id + " batch " + std::to_string(b.batch) + ": " + reply.status().message() +
                         "; not reconciled now: this node is stopping (its next start looks before sending again)");
    }
    backoff = std::min(backoff * 2, client_.config().backoff_max);
    MHERO_ASSIGN_OR_RETURN(auto found, find_sent(m, b));
    if (found) {
      mark_sent(m, b, *found);
      return write_outcome(m, b);
    }
    MHERO_RETURN_IF_ERROR(write_next_attempt(m, b));
  }
}

Status Dispatcher::reconcile(const MessageRecord& m, BatchRecord& b, bool may_resend) {
  MHERO_ASSIGN_OR_RETURN(auto found, find_sent(m, b));
  if (found) {
    spdlog::info("dispatch: message {} batch {} was sent before a crash; recording it", m.id, b.batch);
    mark_sent(m, b, *found);
    return write_outcome(m, b);
  }
  if (!may_resend) {
    b.phase = "expired";
    return write_outcome(m, b);
  }
  MHERO_RETURN_IF_ERROR(write_next_attempt(m, b));
  bool failed = false;
  return send_batch(m, b, &failed);
}

}  // namespace mhero
