#include "fleet/arrival_log.h"

#include <algorithm>
#include <cstdio>

namespace mhero::fleet {

namespace {

using nlohmann::json;

std::string slot_name(uint64_t n, size_t size) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04u", static_cast<unsigned>(n % size));
  return buf;
}

std::string hex_or_empty(const std::optional<NodeId>& id) { return id ? id->hex() : ""; }

std::optional<NodeId> id_from(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
  return NodeId::from_hex(j[key].get<std::string>());
}

template <typename T>
T number(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return T{};
  return j[key].get<T>();
}

// Calls fn(json) for each well-formed object under `prefix`, collecting (n, fact) pairs.
template <typename Fact, typename Parse>
std::vector<Fact> scan(const LogStore& store, const std::string& prefix, Parse parse) {
  std::vector<std::pair<int64_t, Fact>> found;
  store.scan_meta(prefix, [&](std::string_view, std::string_view value) {
    json j = json::parse(value, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return true;
    if (std::optional<std::pair<int64_t, Fact>> f = parse(j)) found.push_back(std::move(*f));
    return true;
  });
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<Fact> out;
  for (auto& [order, fact] : found) out.push_back(std::move(fact));
  return out;
}

std::optional<std::pair<int64_t, SessionFact>> parse_session(const json& j) {
  SessionFact f;
  f.peer = id_from(j, "peer");
  f.district = j.value("district", "");
  f.address = j.value("address", "");
  f.dialed = j.value("dialed", true);
  f.started_ms = number<int64_t>(j, "started_ms");
  f.ended_ms = number<int64_t>(j, "ended_ms");
  f.bytes_in = number<uint64_t>(j, "bytes_in");
  f.bytes_out = number<uint64_t>(j, "bytes_out");
  f.entries_sent = number<uint64_t>(j, "entries_sent");
  f.entries_received = number<uint64_t>(j, "entries_received");
  if (j.contains("clock_offset_ms") && j["clock_offset_ms"].is_number_integer()) {
    f.clock_offset_ms = j["clock_offset_ms"].get<int64_t>();
  }
  f.error = j.value("error", "");
  return std::pair{f.ended_ms, std::move(f)};
}

std::optional<std::pair<int64_t, BundleFact>> parse_bundle(const json& j) {
  auto sender = id_from(j, "sender");
  auto recipient = id_from(j, "recipient");
  if (!sender || !recipient) return std::nullopt;
  BundleFact f;
  f.bundle_id = j.value("bundle_id", "");
  f.sender = *sender;
  f.recipient = *recipient;
  f.exported_ms = number<int64_t>(j, "exported_ms");
  f.imported_ms = number<int64_t>(j, "imported_ms");
  f.entry_count = number<uint64_t>(j, "entry_count");
  f.entries_new = number<uint64_t>(j, "entries_new");
  f.parts = number<uint32_t>(j, "parts");
  f.relayed_by = id_from(j, "relayed_by");
  f.file = j.value("file", "");
  return std::pair{f.imported_ms, std::move(f)};
}

std::optional<std::pair<int64_t, BundleFact>> parse_export(const json& j) {
  auto f = parse_bundle(j);
  if (f) f->first = f->second.exported_ms;
  return f;
}

std::optional<std::pair<int64_t, RefusedKeyFact>> parse_refused(const json& j) {
  auto key = id_from(j, "key");
  if (!key) return std::nullopt;
  RefusedKeyFact f{*key, j.value("address", ""), number<int64_t>(j, "at_ms"), j.value("reason", "")};
  return std::pair{f.at_ms, std::move(f)};
}

}  // namespace

Status ArrivalLog::put_in_ring(const std::string& prefix, size_t size, json value) {
  std::lock_guard lock(mu_);
  auto known = next_by_prefix_.find(prefix);
  if (known == next_by_prefix_.end()) {
    uint64_t next = 0;
    store_.scan_meta(prefix, [&](std::string_view, std::string_view v) {
      json j = json::parse(v, nullptr, false);
      if (j.is_object() && j.contains("n") && j["n"].is_number_unsigned()) {
        next = std::max(next, j["n"].get<uint64_t>() + 1);
      }
      return true;
    });
    known = next_by_prefix_.emplace(prefix, next).first;
  }
  uint64_t next = known->second;
  value["n"] = next;
  Status put = store_.put_meta(prefix + slot_name(next, size), value.dump());
  if (put.ok()) ++known->second;
  return put;
}

Status ArrivalLog::session_ended(const SessionFact& f) {
  json j = {{"peer", hex_or_empty(f.peer)},  {"district", f.district},
            {"address", f.address},          {"dialed", f.dialed},
            {"started_ms", f.started_ms},    {"ended_ms", f.ended_ms},
            {"bytes_in", f.bytes_in},        {"bytes_out", f.bytes_out},
            {"entries_sent", f.entries_sent}, {"entries_received", f.entries_received},
            {"error", f.error}};
  if (f.clock_offset_ms) j["clock_offset_ms"] = *f.clock_offset_ms;
  std::string who = f.peer ? f.peer->hex() : "addr:" + f.address;
  return put_in_ring("fleet/session/" + who + "/", per_peer_, std::move(j));
}

Status ArrivalLog::bundle_imported(const BundleFact& f) {
  json j = {{"bundle_id", f.bundle_id},     {"sender", f.sender.hex()},
            {"recipient", f.recipient.hex()}, {"exported_ms", f.exported_ms},
            {"imported_ms", f.imported_ms}, {"entry_count", f.entry_count},
            {"entries_new", f.entries_new}, {"parts", f.parts},
            {"file", f.file}};
  if (f.relayed_by) j["relayed_by"] = f.relayed_by->hex();
  return put_in_ring("fleet/bundle/" + f.sender.hex() + "/", per_peer_, std::move(j));
}

Status ArrivalLog::bundle_exported(const BundleFact& f) {
  json j = {{"bundle_id", f.bundle_id},       {"sender", f.sender.hex()}, {"recipient", f.recipient.hex()},
            {"exported_ms", f.exported_ms},   {"entry_count", f.entry_count}, {"parts", f.parts},
            {"file", f.file}};
  return put_in_ring("fleet/export/" + f.recipient.hex() + "/", per_peer_, std::move(j));
}

Status ArrivalLog::key_refused(const RefusedKeyFact& f) {
  json j = {{"key", f.key.hex()}, {"address", f.address}, {"at_ms", f.at_ms}, {"reason", f.reason}};
  return put_in_ring("fleet/refused/", kRefusedKept, std::move(j));
}

std::vector<SessionFact> read_sessions(const LogStore& store, const std::optional<NodeId>& peer) {
  return scan<SessionFact>(store, "fleet/session/" + (peer ? peer->hex() + "/" : ""), parse_session);
}

std::vector<BundleFact> read_bundles(const LogStore& store, const std::optional<NodeId>& sender) {
  std::vector<BundleFact> out = scan<BundleFact>(store, "fleet/bundle/" + (sender ? sender->hex() + "/" : ""), parse_bundle);
  // Bundles of one import share their import time: the one exported last is the newest news.
  std::stable_sort(out.begin(), out.end(), [](const BundleFact& a, const BundleFact& b) {
    return std::pair(a.imported_ms, a.exported_ms) > std::pair(b.imported_ms, b.exported_ms);
  });
  return out;
}

std::vector<BundleFact> read_exports(const LogStore& store, const std::optional<NodeId>& recipient) {
  return scan<BundleFact>(store, "fleet/export/" + (recipient ? recipient->hex() + "/" : ""), parse_export);
}

std::vector<RefusedKeyFact> read_refused(const LogStore& store) {
  return scan<RefusedKeyFact>(store, "fleet/refused/", parse_refused);
}

}  // namespace mhero::fleet
