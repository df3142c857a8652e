#include "fleet/node_status_writer.h"

#include <capnp/message.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdlib>

namespace mhero::fleet {

namespace {

using nlohmann::json;

constexpr const char* kLastKey = "fleet/status-writer/last";
constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kDiskThresholds[] = {100 * kMiB, 1024 * kMiB, 10240 * kMiB};
constexpr int64_t kClockStepMs = 60'000;

template <typename V>
const V* lookup(const std::vector<std::pair<NodeId, V>>& list, const NodeId& peer) {
  for (const auto& [p, v] : list) {
    if (p == peer) return &v;
  }
  return nullptr;
}

bool moved_by(uint64_t before, uint64_t now, double fraction) {
  double diff = std::fabs(static_cast<double>(now) - static_cast<double>(before));
  return diff > fraction * static_cast<double>(before);
}

json to_json(const HealthSummary& s, int64_t written_ms, uint64_t seq) {
  json pending = json::object(), via = json::object(), offset = json::object();
  for (const auto& [p, v] : s.pending) pending[p.hex()] = v;
  for (const auto& [p, v] : s.contact_via) via[p.hex()] = v;
  for (const auto& [p, v] : s.clock_offset_ms) offset[p.hex()] = v;
  return {{"written_ms", written_ms}, {"seq", seq}, {"free_disk_bytes", s.free_disk_bytes},
          {"pending", pending}, {"via", via}, {"clock_offset_ms", offset}, {"version", s.version}};
}

// The remembered summary, written_ms and seq; nullopt when absent or unreadable (then the next
// status is written as "first").
struct Remembered {
  HealthSummary summary;
  int64_t written_ms = 0;
  uint64_t seq = 0;
};
std::optional<Remembered> remembered(const LogStore& store) {
  auto text = store.get_meta(kLastKey);
  if (!text.ok() || !text->has_value()) return std::nullopt;
  json j = json::parse(**text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    Remembered r;
    r.written_ms = j.at("written_ms").get<int64_t>();
    r.seq = j.at("seq").get<uint64_t>();
    r.summary.free_disk_bytes = j.at("free_disk_bytes").get<uint64_t>();
    r.summary.version = j.at("version").get<std::string>();
    for (const auto& [k, v] : j.at("pending").items()) {
      if (auto id = NodeId::from_hex(k)) r.summary.pending.emplace_back(*id, v.get<uint64_t>());
    }
    for (const auto& [k, v] : j.at("via").items()) {
      if (auto id = NodeId::from_hex(k)) r.summary.contact_via.emplace_back(*id, v.get<std::string>());
    }
    for (const auto& [k, v] : j.at("clock_offset_ms").items()) {
      if (auto id = NodeId::from_hex(k)) r.summary.clock_offset_ms.emplace_back(*id, v.get<int64_t>());
    }
    return r;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

HealthSummary summarise(const NodeHealth& health) {
  HealthSummary s;
  s.free_disk_bytes = health.free_disk_bytes;
  s.version = health.version;
  for (const PeerHealth& p : health.peers) {
    s.pending.emplace_back(p.peer, p.pending);
    if (p.contact.via != ContactVia::none) s.contact_via.emplace_back(p.peer, contact_via_name(p.contact.via));
    if (p.clock_offset_ms) s.clock_offset_ms.emplace_back(p.peer, *p.clock_offset_ms);
  }
  return s;
}

std::vector<std::string> meaningful_changes(const HealthSummary& last, const HealthSummary& now) {
  std::vector<std::string> changes;
  bool crossed = false;
  for (uint64_t t : kDiskThresholds) crossed |= (last.free_disk_bytes < t) != (now.free_disk_bytes < t);
  if (crossed || moved_by(last.free_disk_bytes, now.free_disk_bytes, 0.05)) changes.push_back("free disk");
  bool pending = false;
  for (const auto& [peer, n] : now.pending) {
    const uint64_t* before = lookup(last.pending, peer);
    uint64_t b = before ? *before : 0;
    pending |= (b == 0) != (n == 0) || moved_by(b, n, 0.10);
  }
  if (pending) changes.push_back("pending");
  bool contact = false;
  for (const auto& [peer, via] : now.contact_via) {
    const std::string* before = lookup(last.contact_via, peer);
    contact |= !before || *before != via;
  }
  if (contact) changes.push_back("contact");
  bool clock = false;
  for (const auto& [peer, offset] : now.clock_offset_ms) {
    const int64_t* before = lookup(last.clock_offset_ms, peer);
    clock |= !before || std::llabs(*before - offset) > kClockStepMs;
  }
  if (clock) changes.push_back("clock");
  if (last.version != now.version) changes.push_back("version");
  return changes;
}

Result<std::optional<std::string>> NodeStatusWriter::run_once() {
  MHERO_ASSIGN_OR_RETURN(NodeHealth health, measure_health(node_));
  LogStore& store = node_.store();
  const int64_t now_ms = node_.clock().now().count();
  std::optional<Remembered> last = remembered(store);
  HealthSummary now = summarise(health);
  std::string reason;
  if (!last && first_ == FirstRun::baseline) {
    MHERO_RETURN_IF_ERROR(store.put_meta(kLastKey, to_json(now, now_ms, 0).dump()));
    return std::optional<std::string>();
  }
  if (!last) {
    reason = "first";
  } else {
    // The last status entry, while a peer lacks it, is pending only because it was written.
    HealthSummary compared = now;
    FeedId own{node_.id(), node_.own_scope()};
    for (auto& [peer, n] : compared.pending) {
      auto theirs = known_peer_frontier(store, peer);
      if (n > 0 && theirs.ok() && theirs->get(own) < last->seq) --n;
    }
    std::vector<std::string> changes = meaningful_changes(last->summary, compared);
    for (const auto& c : changes) reason += (reason.empty() ? "" : ", ") + c;
    if (reason.empty() && now_ms - last->written_ms >= interval_.count()) reason = "interval";
  }
  if (reason.empty()) return std::optional<std::string>();
  capnp::MallocMessageBuilder message;
  to_capnp(health, reason, message.initRoot<schema::Payload>().initNodeStatus());
  MHERO_ASSIGN_OR_RETURN(Entry entry,
                         store.append(node_.key(), node_.own_scope(), message.getRoot<schema::Payload>().asReader()));
  MHERO_RETURN_IF_ERROR(store.put_meta(kLastKey, to_json(now, now_ms, entry.seq()).dump()));
  return std::optional<std::string>(reason);
}

PeriodicTask NodeStatusWriter::task(std::chrono::milliseconds every) {
  return PeriodicTask{"node status", every, [this] {
                        auto r = run_once();
                        if (!r.ok()) spdlog::warn("node status not written: {}", r.status().to_string());
                      }};
}

std::chrono::milliseconds status_interval(const NodeConfig& config) {
  return std::chrono::milliseconds(
      int_or(config.table, "console", "status_interval_ms", kDefaultStatusInterval.count()));
}

}  // namespace mhero::fleet
