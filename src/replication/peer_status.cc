#include "replication/peer_status.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "node/holding.h"
#include "node/peer_frontier.h"

namespace mhero {

namespace {

constexpr std::string_view kPrefix = "sync/peer/";

std::optional<PeerRecord> parse(std::string_view label, std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  PeerRecord r;
  r.label = label;
  r.address = j.value("address", "");
  if (j.contains("node") && j["node"].is_string()) r.node = NodeId::from_hex(j["node"].get<std::string>());
  if (r.node) r.role = parse_role(j.value("role", ""));
  r.district = j.value("district", "");
  r.last_attempt_ms = j.value("last_attempt_ms", int64_t{0});
  r.last_success_ms = j.value("last_success_ms", int64_t{0});
  r.last_error = j.value("last_error", "");
  r.entries_sent = j.value("entries_sent", uint64_t{0});
  r.entries_received = j.value("entries_received", uint64_t{0});
  if (j.contains("clock_offset_ms") && j["clock_offset_ms"].is_number_integer()) {
    r.clock_offset_ms = j["clock_offset_ms"].get<int64_t>();
  }
  if (j.contains("batch_bytes") && j["batch_bytes"].is_number_unsigned()) r.batch_bytes = j["batch_bytes"].get<uint64_t>();
  if (j.contains("frontier") && j["frontier"].is_object()) {
    for (const auto& [k, v] : j["frontier"].items()) {
      size_t slash = k.find('/');
      auto author = NodeId::from_hex(k.substr(0, slash));
      if (!author || slash == std::string::npos || !v.is_number_unsigned()) continue;
      r.frontier.set(FeedId{*author, k.substr(slash + 1)}, v.get<uint64_t>());
    }
  }
  return r;
}

Status save(LogStore& store, const PeerRecord& r) {
  nlohmann::json frontier = nlohmann::json::object();
  for (const auto& [feed, seq] : r.frontier.feeds()) frontier[feed.author.hex() + "/" + feed.scope] = seq;
  nlohmann::json j = {{"address", r.address},
                      {"district", r.district},
                      {"last_attempt_ms", r.last_attempt_ms},
                      {"last_success_ms", r.last_success_ms},
                      {"last_error", r.last_error},
                      {"entries_sent", r.entries_sent},
                      {"entries_received", r.entries_received},
                      {"frontier", frontier}};
  if (r.node) j["node"] = r.node->hex();
  if (r.clock_offset_ms) j["clock_offset_ms"] = *r.clock_offset_ms;
  if (r.node && r.role) j["role"] = role_name(*r.role);
  if (r.batch_bytes) j["batch_bytes"] = r.batch_bytes;
  return store.put_meta(std::string(kPrefix) + r.label, j.dump());
}

}  // namespace

PeerRecord load_peer_record(const LogStore& store, const std::string& label) {
  auto v = store.get_meta(std::string(kPrefix) + label);
  if (v.ok() && v->has_value()) {
    if (auto r = parse(label, **v)) return *r;
  }
  PeerRecord r;
  r.label = label;
  return r;
}

std::optional<Role> expected_role(const PeerRecord& peer, const NodeConfig& self) {
  if (peer.node && self.central_key && *peer.node == *self.central_key) return Role::central;
  if (peer.node) return peer.role;
  if (self.role == Role::district) return Role::central;
  return std::nullopt;
}

std::string peer_description(const PeerRecord& peer, const NodeConfig& self) {
  std::optional<Role> role = expected_role(peer, self);
  if (!role) return "peer";
  if (*role == Role::district && !peer.district.empty()) return "district " + peer.district;
  return role_name(*role);
}

size_t batch_bytes_for(const PeerRecord& peer, size_t configured) {
  if (peer.batch_bytes == 0) return configured;
  return static_cast<size_t>(std::clamp<uint64_t>(peer.batch_bytes, std::min(kBatchBytesFloor, configured), configured));
}

size_t next_batch_bytes(size_t used, size_t configured, const sync::SessionResult& r) {
  size_t next = used;
  bool cut = r.status.code() == StatusCode::unavailable && !r.peer_ended;
  if (cut && r.batches_begun > 0 && r.batches_sent == 0) {
    next = std::max(kBatchBytesFloor, used / 2);
  } else if (r.ok()) {
    next = used * 2;
  }  // Cut after an ack: this size gets through; a larger one may not (it swung back and forth).
  return next >= configured ? 0 : next;
}

Status record_session(LogStore& store, const std::string& label, const std::string& address,
                      const sync::SessionResult& result, int64_t now_ms, uint64_t batch_bytes) {
  PeerRecord r = load_peer_record(store, label);
  r.address = address;
  r.batch_bytes = batch_bytes;
  r.last_attempt_ms = now_ms;
  if (result.peer) {
    r.node = result.peer;
    r.role = result.peer_role;
    r.district = result.peer_district;
    r.frontier.merge(result.peer_frontier);
  }
  r.entries_sent = result.entries_sent;
  r.entries_received = result.entries_received;
  if (result.clock_offset_ms) r.clock_offset_ms = result.clock_offset_ms;
  if (result.ok()) {
    r.last_success_ms = now_ms;
    r.last_error.clear();
  } else {
    r.last_error = result.status.to_string();
  }
  return save(store, r);
}

Status record_failure(LogStore& store, const std::string& label, const std::string& address,
                      const Status& error, int64_t now_ms) {
  PeerRecord r = load_peer_record(store, label);
  r.address = address;
  r.last_attempt_ms = now_ms;
  r.last_error = error.to_string();
  return save(store, r);
}

std::vector<PeerRecord> load_peer_records(const LogStore& store) {
  std::vector<PeerRecord> out;
  store.scan_meta(kPrefix, [&](std::string_view key, std::string_view value) {
    if (auto r = parse(key.substr(kPrefix.size()), value)) out.push_back(std::move(*r));
    return true;
  });
  return out;
}

Result<Frontier> known_peer_frontier(const LogStore& store, const NodeId& peer) {
  MHERO_ASSIGN_OR_RETURN(Frontier known, known_frontier(store, peer));
  for (const PeerRecord& p : load_peer_records(store)) {
    if (p.node == peer) known.merge(p.frontier);
  }
  return known;
}

Lag lag(const Frontier& mine, const NodeConfig& self, const PeerRecord& peer) {
  Lag l;
  Role role = expected_role(peer, self).value_or(Role::district);
  for (const auto& [feed, seq] : mine.feeds()) {
    uint64_t theirs = peer.frontier.get(feed);
    if (seq > theirs && may_hold(role, peer.district, feed)) l.ahead += seq - theirs;
  }
  for (const auto& [feed, seq] : peer.frontier.feeds()) {
    uint64_t have = mine.get(feed);
    if (seq > have && may_hold(self.role, self.district, feed)) l.behind += seq - have;
  }
  return l;
}

}  // namespace mhero
