#include "node/enrollment.h"

#include <algorithm>

#include <capnp/message.h>
#include <nlohmann/json.hpp>

#include "store/entry.h"
#include "store/hlc.h"
#include "store/log_store.h"
#include "store/scope.h"
#include "util/capnp_text.h"

namespace mhero {

namespace {

constexpr std::string_view kPrefix = "enrollment/key/";
constexpr std::string_view kRotationPrefix = "enrollment/rotation/";
constexpr std::string_view kCentralPrefix = "enrollment/central/";

std::string record_key(const NodeId& key) { return std::string(kPrefix) + key.hex(); }
std::string rotation_key(const NodeId& key) { return std::string(kRotationPrefix) + key.hex(); }
std::string central_key(const NodeId& key) { return std::string(kCentralPrefix) + key.hex(); }

std::optional<NodeId> hex_field(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_string()) return std::nullopt;
  return NodeId::from_hex(j[name].get<std::string>());
}

nlohmann::json through_json(const std::map<std::string, uint64_t>& through) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [scope, seq] : through) out[scope] = seq;
  return out;
}

void read_through(const nlohmann::json& j, std::map<std::string, uint64_t>& out) {
  if (!j.contains("valid_through") || !j["valid_through"].is_object()) return;
  for (const auto& [scope, seq] : j["valid_through"].items()) {
    if (seq.is_number_unsigned()) out[scope] = seq.get<uint64_t>();
  }
}

std::string encode_record(const EnrolledKey& record) {
  nlohmann::json j = {{"district", record.district},
                      {"label", record.label},
                      {"revoked", record.revoked},
                      {"since_ms", record.since_ms}};
  if (record.revoked) {
    j["valid_through"] = through_json(record.valid_through);
    j["revoked_ms"] = record.revoked_ms;
    if (record.revoked_by) j["revoked_by"] = record.revoked_by->hex();
  }
  if (record.replaces) {
    j["replaces"] = record.replaces->hex();
    j["overlap_until_ms"] = record.overlap_until_ms;
  }
  if (record.successor) j["successor"] = record.successor->hex();
  if (record.retired) j["retired"] = true;
  return j.dump();
}

Result<EnrolledKey> decode_record(const NodeId& key, std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("district") || !j["district"].is_string()) {
    return corruption("enrollment view record of " + key.hex() + " is not valid JSON");
  }
  EnrolledKey record;
  record.key = key;
  record.district = j["district"].get<std::string>();
  record.label = j.value("label", std::string());
  record.revoked = j.value("revoked", false);
  record.since_ms = j.value("since_ms", int64_t{0});
  read_through(j, record.valid_through);
  record.replaces = hex_field(j, "replaces");
  record.overlap_until_ms = j.value("overlap_until_ms", int64_t{0});
  record.successor = hex_field(j, "successor");
  record.retired = j.value("retired", false);
  record.revoked_ms = j.value("revoked_ms", int64_t{0});
  record.revoked_by = hex_field(j, "revoked_by");
  return record;
}

std::string encode_central(const CentralKeyRecord& r) {
  nlohmann::json j = {{"overlap_ms", r.overlap_ms}, {"announced_ms", r.announced_ms}, {"retired", r.retired}};
  if (r.successor) j["successor"] = r.successor->hex();
  if (r.predecessor) j["predecessor"] = r.predecessor->hex();
  if (r.retired) j["valid_through"] = through_json(r.valid_through);
  return j.dump();
}

Result<CentralKeyRecord> decode_central(const NodeId& key, std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corruption("central key record of " + key.hex() + " is not valid JSON");
  CentralKeyRecord r;
  r.key = key;
  r.successor = hex_field(j, "successor");
  r.predecessor = hex_field(j, "predecessor");
  r.overlap_ms = j.value("overlap_ms", int64_t{0});
  r.announced_ms = j.value("announced_ms", int64_t{0});
  r.retired = j.value("retired", false);
  read_through(j, r.valid_through);
  return r;
}

Result<RotationAnnouncement> decode_announcement(const NodeId& old_key, std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  auto next = j.is_discarded() || !j.is_object() ? std::nullopt : hex_field(j, "new");
  if (!next) return corruption("rotation record of " + old_key.hex() + " is not valid JSON");
  return RotationAnnouncement{old_key, *next, j.value("scope", std::string()), j.value("overlap_ms", int64_t{0}),
                              j.value("announced_ms", int64_t{0})};
}

// A keyRotation: in `national` a central hand-over (admission let only a central key write it),
// elsewhere a district key's announcement. Malformed ones never pass admission; ignored here.
Status apply_key_rotation(const Entry& entry, int64_t time_ms, ViewBatch& batch) {
  auto in = entry.payload().getKeyRotation();
  auto old_key = NodeId::from_bytes(data_view(in.getOldKey()));
  auto new_key = NodeId::from_bytes(data_view(in.getNewKey()));
  if (!old_key || !new_key || *old_key != entry.feed().author) return {};
  if (entry.feed().scope == kNationalScope) {
    MHERO_ASSIGN_OR_RETURN(auto old_record, find_central_key(batch, *old_key));
    CentralKeyRecord o = old_record.value_or(CentralKeyRecord{*old_key, {}, {}, 0, 0, false, {}});
    if (o.successor) return {};  // The first hand-over stands.
    o.successor = *new_key;
    o.overlap_ms = in.getOverlapMs();
    o.announced_ms = time_ms;
    // A view rebuilt from the log folds feeds in key order, so the successor's retirement of this
    // key (apply_revocation) may have come first and been kept as a plain record: take it over.
    MHERO_ASSIGN_OR_RETURN(auto early, find_enrolled(batch, *old_key));
    if (early && early->retired && early->district.empty()) {
      o.retired = true;
      o.valid_through = early->valid_through;
      batch.erase(record_key(*old_key));
    }
    batch.put(central_key(*old_key), encode_central(o));
    MHERO_ASSIGN_OR_RETURN(auto new_record, find_central_key(batch, *new_key));
    CentralKeyRecord n = new_record.value_or(CentralKeyRecord{*new_key, {}, {}, 0, 0, false, {}});
    n.predecessor = *old_key;
    batch.put(central_key(*new_key), encode_central(n));
    return {};
  }
  MHERO_ASSIGN_OR_RETURN(auto existing, find_announcement(batch, *old_key));
  if (existing) return {};
  nlohmann::json j = {{"new", new_key->hex()},
                      {"scope", entry.feed().scope},
                      {"overlap_ms", in.getOverlapMs()},
                      {"announced_ms", time_ms}};
  batch.put(rotation_key(*old_key), j.dump());
  return {};
}

Status apply_enrollment(schema::Enrollment::Reader in, int64_t time_ms, ViewBatch& batch) {
  auto raw = in.getNodeKey();
  auto key = NodeId::from_bytes(data_view(raw));
  std::string district = in.getDistrictCode();
  if (!key || !valid_district_code(district)) return {};  // Malformed: ignored, never admits.
  MHERO_ASSIGN_OR_RETURN(auto existing, find_enrolled(batch, *key));
  if (existing && existing->revoked) return {};  // Revocation is final.
  EnrolledKey record{*key, district, false, in.getLabel(), {}, time_ms};
  if (existing && existing->district == district && existing->since_ms != 0) record.since_ms = existing->since_ms;
  if (existing) {
    record.replaces = existing->replaces;
    record.overlap_until_ms = existing->overlap_until_ms;
    record.successor = existing->successor;
  }
  if (auto old_key = NodeId::from_bytes(data_view(in.getReplaces())); old_key && *old_key != *key) {
    record.replaces = *old_key;
    record.overlap_until_ms = in.getOverlapUntilMs();
    MHERO_ASSIGN_OR_RETURN(auto old_record, find_enrolled(batch, *old_key));
    if (old_record && !old_record->successor) {
      old_record->successor = *key;
      batch.put(record_key(*old_key), encode_record(*old_record));
    }
  }
  batch.put(record_key(*key), encode_record(record));
  return {};
}

Status apply_revocation(schema::Revocation::Reader in, int64_t time_ms, const NodeId& author, ViewBatch& batch) {
  auto raw = in.getNodeKey();
  auto key = NodeId::from_bytes(data_view(raw));
  if (!key) return {};
  bool retired = NodeId::from_bytes(data_view(in.getSuccessor())).has_value();
  MHERO_ASSIGN_OR_RETURN(auto central_record, find_central_key(batch, *key));
  if (central_record && central_record->successor) {  // A central key retired by its successor.
    if (central_record->retired) return {};
    central_record->retired = true;
    for (auto fs : in.getValidThrough()) {
      if (NodeId::from_bytes(data_view(fs.getFeed().getAuthor())) != key) continue;
      central_record->valid_through[fs.getFeed().getScope()] = fs.getSeq();
    }
    batch.put(central_key(*key), encode_central(*central_record));
    return {};
  }
  MHERO_ASSIGN_OR_RETURN(auto existing, find_enrolled(batch, *key));
  EnrolledKey record = existing ? *existing : EnrolledKey{*key, "", false, "", {}};
  if (record.revoked) return {};  // The first revocation's bounds stay.
  record.revoked = true;
  record.retired = retired;
  record.revoked_ms = time_ms;
  record.revoked_by = author;
  for (auto fs : in.getValidThrough()) {
    auto author = fs.getFeed().getAuthor();
    if (NodeId::from_bytes(data_view(author)) != key) continue;
    record.valid_through[fs.getFeed().getScope()] = fs.getSeq();
  }
  batch.put(record_key(*key), encode_record(record));
  return {};
}

Status check_central(const NodeConfig& config, const NodeKey& central) {
  if (config.role != Role::central) {
    return failed_precondition("only the central node enrolls and revokes keys; this is a district node");
  }
  if (config.central_key && *config.central_key != central.id()) {
    return failed_precondition("this node's key is not the central key pinned in its config.toml");
  }
  return {};
}

}  // namespace

Status EnrollmentView::apply(const Entry& entry, ViewBatch& batch) {
  if (entry.kind() == schema::Payload::KEY_ROTATION) {
    return apply_key_rotation(entry, static_cast<int64_t>(HybridClock::physical_ms(entry.hlc_time())), batch);
  }
  if (entry.feed().scope != kNationalScope) return {};
  switch (entry.kind()) {
    case schema::Payload::ENROLLMENT:
      return apply_enrollment(entry.payload().getEnrollment(),
                              static_cast<int64_t>(HybridClock::physical_ms(entry.hlc_time())), batch);
    case schema::Payload::REVOCATION:
      return apply_revocation(entry.payload().getRevocation(),
                              static_cast<int64_t>(HybridClock::physical_ms(entry.hlc_time())), entry.feed().author,
                              batch);
    default:
      return {};
  }
}

Result<std::optional<RotationAnnouncement>> find_announcement(const ViewReader& views, const NodeId& old_key) {
  MHERO_ASSIGN_OR_RETURN(auto value, views.get(rotation_key(old_key)));
  if (!value) return std::optional<RotationAnnouncement>();
  MHERO_ASSIGN_OR_RETURN(RotationAnnouncement a, decode_announcement(old_key, *value));
  return std::optional<RotationAnnouncement>(std::move(a));
}

Status for_each_announcement(const ViewReader& views, const std::function<bool(const RotationAnnouncement&)>& fn) {
  Status inner;
  MHERO_RETURN_IF_ERROR(views.scan(kRotationPrefix, [&](std::string_view k, std::string_view v) {
    auto key = NodeId::from_hex(k.substr(kRotationPrefix.size()));
    if (!key) return true;
    auto a = decode_announcement(*key, v);
    if (!a.ok()) {
      inner = a.status();
      return false;
    }
    return fn(*a);
  }));
  return inner;
}

Result<std::optional<CentralKeyRecord>> find_central_key(const ViewReader& views, const NodeId& key) {
  MHERO_ASSIGN_OR_RETURN(auto value, views.get(central_key(key)));
  if (!value) return std::optional<CentralKeyRecord>();
  MHERO_ASSIGN_OR_RETURN(CentralKeyRecord r, decode_central(key, *value));
  return std::optional<CentralKeyRecord>(std::move(r));
}

Result<std::optional<CentralKeyRecord>> central_key_status(const ViewReader& views, const NodeId& pinned,
                                                           const NodeId& key) {
  constexpr int kMaxSteps = 32;
  MHERO_ASSIGN_OR_RETURN(auto pin, find_central_key(views, pinned));
  if (key == pinned) return std::optional<CentralKeyRecord>(pin.value_or(CentralKeyRecord{pinned, {}, {}, 0, 0, false, {}}));
  if (!pin) return std::optional<CentralKeyRecord>();
  for (bool forward : {true, false}) {
    std::optional<CentralKeyRecord> at = pin;
    for (int step = 0; step < kMaxSteps && at; ++step) {
      std::optional<NodeId> next = forward ? at->successor : at->predecessor;
      if (!next) break;
      MHERO_ASSIGN_OR_RETURN(at, find_central_key(views, *next));
      if (*next == key) return std::optional<CentralKeyRecord>(at.value_or(CentralKeyRecord{key, {}, {}, 0, 0, false, {}}));
    }
  }
  return std::optional<CentralKeyRecord>();
}

Result<NodeId> current_central_key(const ViewReader& views, const NodeId& pinned) {
  NodeId at = pinned;
  for (int step = 0; step < 32; ++step) {
    MHERO_ASSIGN_OR_RETURN(auto record, find_central_key(views, at));
    if (!record || !record->successor) break;
    at = *record->successor;
  }
  return at;
}

Result<std::optional<EnrolledKey>> find_enrolled(const ViewReader& views, const NodeId& key) {
  MHERO_ASSIGN_OR_RETURN(auto value, views.get(record_key(key)));
  if (!value) return std::optional<EnrolledKey>();
  MHERO_ASSIGN_OR_RETURN(EnrolledKey record, decode_record(key, *value));
  return std::optional<EnrolledKey>(std::move(record));
}

Result<std::optional<ForkSettlement>> fork_settlement(const ViewReader& views, const NodeId& author) {
  MHERO_ASSIGN_OR_RETURN(auto record, find_enrolled(views, author));
  if (!record || !record->revoked) return std::optional<ForkSettlement>();
  ForkSettlement s{*record, std::nullopt};
  MHERO_RETURN_IF_ERROR(for_each_enrolled(views, [&](const EnrolledKey& k) {
    if (k.district == record->district && !k.revoked && k.key != author &&
        (!s.replacement || k.since_ms > s.replacement->since_ms)) {
      s.replacement = k;
    }
    return true;
  }));
  return std::optional<ForkSettlement>(std::move(s));
}

Result<std::vector<std::string>> central_scopes_to_learn(const LogStore& store) {
  auto hold = store.write_hold();
  if (!hold || hold->learned.count("*")) return std::vector<std::string>{};
  std::vector<std::string> out;
  if (!hold->allows(kNationalScope)) out.emplace_back(kNationalScope);
  MHERO_RETURN_IF_ERROR(for_each_enrolled(store.views(), [&](const EnrolledKey& k) {
    std::string scope = district_scope(k.district);
    if (!k.revoked && !hold->allows(scope) && std::find(out.begin(), out.end(), scope) == out.end()) out.push_back(scope);
    return true;
  }));
  return out;
}

Result<bool> end_central_hold_when_learned(LogStore& store, std::string_view from) {
  if (!store.write_hold()) return false;
  MHERO_ASSIGN_OR_RETURN(auto waiting, central_scopes_to_learn(store));
  if (!waiting.empty()) return false;
  MHERO_RETURN_IF_ERROR(store.learned_heads({"*"}, "every enrolled district and national, the last from " + std::string(from)));
  return true;
}

Status for_each_enrolled(const ViewReader& views, const std::function<bool(const EnrolledKey&)>& fn) {
  Status inner;
  MHERO_RETURN_IF_ERROR(views.scan(kPrefix, [&](std::string_view k, std::string_view v) {
    auto key = NodeId::from_hex(k.substr(kPrefix.size()));
    if (!key) return true;
    auto record = decode_record(*key, v);
    if (!record.ok()) {
      inner = record.status();
      return false;
    }
    return fn(*record);
  }));
  return inner;
}

Result<bool> may_sync(const ViewReader& views, const NodeConfig& config, const NodeId& peer) {
  if (config.central_key) {
    MHERO_ASSIGN_OR_RETURN(auto central, central_key_status(views, *config.central_key, peer));
    if (central) return !central->retired;
  }
  MHERO_ASSIGN_OR_RETURN(auto record, find_enrolled(views, peer));
  return record.has_value() && !record->revoked;
}

Result<std::string> own_enrollment_warning(const ViewReader& views, const NodeConfig& config, const NodeId& self) {
  if (config.role != Role::district) return std::string();
  MHERO_ASSIGN_OR_RETURN(auto record, find_enrolled(views, self));
  std::string id = self.hex();
  if (!record) {
    return "this district node (" + id + ") has no enrollment of its key in its store: the central node will refuse "
           "its entries until central runs `mhero enroll --key " + id + " --district " + config.district +
           "`; then sync with central (`mhero run`, `mhero sync --peer HOST:PORT`) or import a bundle from central "
           "(`mhero bundle import`) so this node learns it.";
  }
  if (record->revoked) {
    return "this node's key " + id + " was revoked by the central node: central refuses its new entries; make a "
           "new key (`mhero init` in a new directory) and have central enroll it.";
  }
  if (record->district != config.district) {
    return "this node's key " + id + " is enrolled for district " + record->district +
           ", but its config.toml says " + config.district + ": central refuses its entries in district/" +
           config.district + ".";
  }
  return std::string();
}

Result<EnrollOutcome> enroll_key(LogStore& store, const NodeKey& central, const NodeConfig& config,
                                 const NodeId& key, const std::string& district, const std::string& label) {
  MHERO_RETURN_IF_ERROR(check_central(config, central));
  if (!valid_district_code(district)) {
    return invalid_argument("--district \"" + district + "\" is not a district code (letters, digits, '-', '_', '.')");
  }
  if (key == central.id()) return invalid_argument("--key is the central node's own key; it needs no enrollment");
  MHERO_ASSIGN_OR_RETURN(auto existing, find_enrolled(store.views(), key));
  if (existing && existing->revoked) {
    return already_exists("key " + key.hex() + " was revoked; revocation is final, the node must make a new key");
  }
  if (existing && existing->district == district) return EnrollOutcome{*existing, false};
  if (existing) {
    return already_exists("key " + key.hex() + " is already enrolled for district " + existing->district +
                          "; to give it another district, revoke it first (`mhero revoke --key " + key.hex() +
                          "`): revocation is final, so that node then makes a new key (`mhero init` in a new "
                          "directory) to be enrolled for " + district);
  }
  capnp::MallocMessageBuilder message;
  auto e = message.initRoot<schema::Payload>().initEnrollment();
  e.setNodeKey(capnp::Data::Reader(key.bytes.data(), key.bytes.size()));
  e.setDistrictCode(district);
  e.setLabel(label);
  MHERO_RETURN_IF_ERROR(store.append(central, kNationalScope, message.getRoot<schema::Payload>().asReader()).status());
  MHERO_ASSIGN_OR_RETURN(auto stored, find_enrolled(store.views(), key));
  if (!stored) return EnrollOutcome{EnrolledKey{key, district, false, label, {}, 0}, true};  // No view here.
  return EnrollOutcome{*stored, true};
}

Result<EnrolledKey> revoke_key(LogStore& store, const NodeKey& central, const NodeConfig& config,
                               const NodeId& key, const std::string& reason) {
  MHERO_RETURN_IF_ERROR(check_central(config, central));
  MHERO_ASSIGN_OR_RETURN(auto existing, find_enrolled(store.views(), key));
  if (!existing) return not_found("key " + key.hex() + " was never enrolled");
  if (existing->revoked) return already_exists("key " + key.hex() + " is already revoked");
  std::vector<std::pair<FeedId, uint64_t>> held;
  Frontier frontier = store.frontier();
  for (const auto& [feed, seq] : frontier.feeds()) {
    if (feed.author == key) held.emplace_back(feed, seq);
  }
  capnp::MallocMessageBuilder message;
  auto r = message.initRoot<schema::Payload>().initRevocation();
  r.setNodeKey(capnp::Data::Reader(key.bytes.data(), key.bytes.size()));
  r.setReason(reason);
  auto list = r.initValidThrough(static_cast<unsigned>(held.size()));
  EnrolledKey result = *existing;
  result.revoked = true;
  for (size_t i = 0; i < held.size(); ++i) {
    auto fs = list[static_cast<unsigned>(i)];
    fs.initFeed().setAuthor(capnp::Data::Reader(key.bytes.data(), key.bytes.size()));
    fs.getFeed().setScope(held[i].first.scope);
    fs.setSeq(held[i].second);
    result.valid_through[held[i].first.scope] = held[i].second;
  }
  MHERO_RETURN_IF_ERROR(store.append(central, kNationalScope, message.getRoot<schema::Payload>().asReader()).status());
  return result;
}

}  // namespace mhero
