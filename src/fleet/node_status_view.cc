#include "fleet/node_status_view.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstdio>

#include "store/entry.h"
#include "store/hlc.h"
#include "util/bytes.h"

namespace mhero::fleet {

namespace {

using nlohmann::json;

constexpr uint64_t kMaxPlausibleBytes = uint64_t{1} << 50;               // 1 PiB.
constexpr int64_t kMaxPlausibleOffsetMs = int64_t{10} * 365 * 86'400'000;  // 10 years.
constexpr uint64_t kMaxPlausiblePending = uint64_t{1} << 40;
constexpr size_t kMaxPeers = 1024;
constexpr size_t kMaxText = 64;

// Printable ASCII only, at most kMaxText characters; notes in `problems` what was changed.
std::string sanitise(std::string_view text, const char* what, std::vector<std::string>& problems) {
  std::string out;
  bool changed = text.size() > kMaxText;
  for (char c : text.substr(0, kMaxText)) {
    bool printable = c >= 0x20 && c < 0x7f;
    out += printable ? c : '?';
    changed |= !printable;
  }
  if (changed) problems.push_back(std::string(what) + " is not short printable text");
  return out;
}

std::string via_name(schema::PeerContact::ContactVia via) {
  switch (via) {
    case schema::PeerContact::ContactVia::NONE: return "none";
    case schema::PeerContact::ContactVia::SESSION: return "session";
    case schema::PeerContact::ContactVia::BUNDLE: return "bundle";
  }
  return "unknown(" + std::to_string(static_cast<unsigned>(via)) + ")";
}

StatusRecord decode(const Entry& entry) {
  auto s = entry.payload().getNodeStatus();
  StatusRecord r;
  r.author = entry.feed().author;
  r.scope = entry.feed().scope;
  r.seq = entry.seq();
  r.as_of_ms = static_cast<int64_t>(HybridClock::physical_ms(entry.hlc_time()));
  r.free_disk_bytes = s.getFreeDiskBytes();
  r.store_bytes = s.getStoreBytes();
  r.pending_entry_count = s.getPendingEntryCount();
  r.clock_offset_ms = s.getClockOffsetMs();
  r.version = sanitise(s.getVersion().cStr(), "version", r.problems);
  r.reason = sanitise(s.getReason().cStr(), "reason", r.problems);
  if (r.free_disk_bytes > kMaxPlausibleBytes) r.problems.push_back("free disk above 1 PiB");
  if (r.store_bytes > kMaxPlausibleBytes) r.problems.push_back("store size above 1 PiB");
  if (r.pending_entry_count > kMaxPlausiblePending) r.problems.push_back("pending entries above 2^40");
  if (r.clock_offset_ms > kMaxPlausibleOffsetMs || r.clock_offset_ms < -kMaxPlausibleOffsetMs) {
    r.problems.push_back("clock offset beyond 10 years");
  }
  auto peers = s.getPeers();
  if (peers.size() > kMaxPeers) r.problems.push_back("more than 1024 peers");
  for (auto p : peers) {
    if (r.peers.size() >= kMaxPeers) break;
    auto id = p.getPeer();
    auto node = NodeId::from_bytes({reinterpret_cast<const char*>(id.begin()), id.size()});
    if (!node) {
      r.problems.push_back("a peer id is not 32 bytes");
      continue;
    }
    auto b = p.getBundleId();
    r.peers.push_back({*node, p.getLastContactMs(), via_name(p.getVia()),
                       to_hex(std::string_view(reinterpret_cast<const char*>(b.begin()), std::min<size_t>(b.size(), 16))),
                       p.getPendingEntryCount(), p.getClockOffsetMs()});
  }
  return r;
}

json to_json(const StatusRecord& r) {
  json peers = json::array();
  for (const auto& p : r.peers) {
    peers.push_back({{"peer", p.peer.hex()}, {"last_contact_ms", p.last_contact_ms}, {"via", p.via},
                     {"bundle_id", p.bundle_id}, {"pending", p.pending_entry_count},
                     {"clock_offset_ms", p.clock_offset_ms}});
  }
  return {{"author", r.author.hex()}, {"scope", r.scope}, {"seq", r.seq}, {"as_of_ms", r.as_of_ms},
          {"free_disk_bytes", r.free_disk_bytes}, {"store_bytes", r.store_bytes},
          {"pending", r.pending_entry_count}, {"clock_offset_ms", r.clock_offset_ms},
          {"version", r.version}, {"reason", r.reason}, {"peers", peers}, {"problems", r.problems}};
}

std::optional<StatusRecord> from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    StatusRecord r;
    auto author = NodeId::from_hex(j.at("author").get<std::string>());
    if (!author) return std::nullopt;
    r.author = *author;
    r.scope = j.at("scope").get<std::string>();
    r.seq = j.at("seq").get<uint64_t>();
    r.as_of_ms = j.at("as_of_ms").get<int64_t>();
    r.free_disk_bytes = j.at("free_disk_bytes").get<uint64_t>();
    r.store_bytes = j.at("store_bytes").get<uint64_t>();
    r.pending_entry_count = j.at("pending").get<uint64_t>();
    r.clock_offset_ms = j.at("clock_offset_ms").get<int64_t>();
    r.version = j.at("version").get<std::string>();
    r.reason = j.at("reason").get<std::string>();
    r.problems = j.at("problems").get<std::vector<std::string>>();
    for (const auto& p : j.at("peers")) {
      auto peer = NodeId::from_hex(p.at("peer").get<std::string>());
      if (!peer) return std::nullopt;
      r.peers.push_back({*peer, p.at("last_contact_ms").get<int64_t>(), p.at("via").get<std::string>(),
                         p.at("bundle_id").get<std::string>(), p.at("pending").get<uint64_t>(),
                         p.at("clock_offset_ms").get<int64_t>()});
    }
    return r;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::string slot_name(uint64_t n) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03u", static_cast<unsigned>(n % kStatusHistory));
  return buf;
}

}  // namespace

Status NodeStatusView::apply(const Entry& entry, ViewBatch& batch) {
  if (entry.kind() != schema::Payload::NODE_STATUS) return {};
  StatusRecord r = decode(entry);
  std::string author = r.author.hex();
  MHERO_ASSIGN_OR_RETURN(auto count_text, batch.get("fleet/count/" + author));
  uint64_t count = count_text ? std::strtoull(count_text->c_str(), nullptr, 10) : 0;
  std::string value = to_json(r).dump();
  batch.put("fleet/status/" + author + "/" + slot_name(count), value);
  batch.put("fleet/count/" + author, std::to_string(count + 1));
  MHERO_ASSIGN_OR_RETURN(auto latest_text, batch.get("fleet/latest/" + author));
  std::optional<StatusRecord> latest = latest_text ? from_json(*latest_text) : std::nullopt;
  if (!latest || latest->as_of_ms <= r.as_of_ms) batch.put("fleet/latest/" + author, value);
  return {};
}

Result<std::optional<StatusRecord>> latest_status(const ViewReader& views, const NodeId& author) {
  std::string key = "fleet/latest/" + author.hex();
  MHERO_ASSIGN_OR_RETURN(auto text, views.get(key));
  if (!text) return std::optional<StatusRecord>();
  auto r = from_json(*text);
  if (!r) return corruption("view key " + key + " is malformed");
  return r;
}

Result<std::vector<StatusRecord>> status_history(const ViewReader& views, const NodeId& author) {
  std::vector<StatusRecord> out;
  std::string bad;
  MHERO_RETURN_IF_ERROR(views.scan("fleet/status/" + author.hex() + "/", [&](std::string_view k, std::string_view v) {
    auto r = from_json(v);
    if (!r) bad = std::string(k);
    else out.push_back(std::move(*r));
    return bad.empty();
  }));
  if (!bad.empty()) return corruption("view key " + bad + " is malformed");
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.as_of_ms != b.as_of_ms ? a.as_of_ms < b.as_of_ms : a.seq < b.seq;
  });
  return out;
}

}  // namespace mhero::fleet
