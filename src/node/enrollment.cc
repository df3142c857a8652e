#include "node/enrollment.h"

#include <capnp/message.h>
#include <nlohmann/json.hpp>

#include "store/entry.h"
#include "store/hlc.h"
#include "store/log_store.h"
#include "store/scope.h"

namespace mhero {

namespace {

constexpr std::string_view kPrefix = "enrollment/key/";

std::string record_key(const NodeId& key) { return std::string(kPrefix) + key.hex(); }

std::string encode_record(const EnrolledKey& record) {
  nlohmann::json j = {{"district", record.district},
                      {"label", record.label},
                      {"revoked", record.revoked},
                      {"since_ms", record.since_ms}};
  if (record.revoked) {
    nlohmann::json through = nlohmann::json::object();
    for (const auto& [scope, seq] : record.valid_through) through[scope] = seq;
    j["valid_through"] = through;
  }
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
  if (j.contains("valid_through") && j["valid_through"].is_object()) {
    for (const auto& [scope, seq] : j["valid_through"].items()) {
      if (seq.is_number_unsigned()) record.valid_through[scope] = seq.get<uint64_t>();
    }
  }
  return record;
}

Status apply_enrollment(schema::Enrollment::Reader in, int64_t time_ms, ViewBatch& batch) {
  auto raw = in.getNodeKey();
  auto key = NodeId::from_bytes({reinterpret_cast<const char*>(raw.begin()), raw.size()});
  std::string district = in.getDistrictCode();
  if (!key || !valid_district_code(district)) return {};  // Malformed: ignored, never admits.
  MHERO_ASSIGN_OR_RETURN(auto existing, find_enrolled(batch, *key));
  if (existing && existing->revoked) return {};  // Revocation is final.
  EnrolledKey record{*key, district, false, in.getLabel(), {}, time_ms};
  if (existing && existing->district == district && existing->since_ms != 0) record.since_ms = existing->since_ms;
  batch.put(record_key(*key), encode_record(record));
  return {};
}

Status apply_revocation(schema::Revocation::Reader in, ViewBatch& batch) {
  auto raw = in.getNodeKey();
  auto key = NodeId::from_bytes({reinterpret_cast<const char*>(raw.begin()), raw.size()});
  if (!key) return {};
  MHERO_ASSIGN_OR_RETURN(auto existing, find_enrolled(batch, *key));
  EnrolledKey record = existing ? *existing : EnrolledKey{*key, "", false, "", {}};
  if (record.revoked) return {};  // The first revocation's bounds stay.
  record.revoked = true;
  for (auto fs : in.getValidThrough()) {
    auto author = fs.getFeed().getAuthor();
    if (NodeId::from_bytes({reinterpret_cast<const char*>(author.begin()), author.size()}) != key) continue;
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
  if (entry.feed().scope != kNationalScope) return {};
  switch (entry.kind()) {
    case schema::Payload::ENROLLMENT:
      return apply_enrollment(entry.payload().getEnrollment(),
                              static_cast<int64_t>(HybridClock::physical_ms(entry.hlc_time())), batch);
    case schema::Payload::REVOCATION:
      return apply_revocation(entry.payload().getRevocation(), batch);
    default:
      return {};
  }
}

Result<std::optional<EnrolledKey>> find_enrolled(const ViewReader& views, const NodeId& key) {
  MHERO_ASSIGN_OR_RETURN(auto value, views.get(record_key(key)));
  if (!value) return std::optional<EnrolledKey>();
  MHERO_ASSIGN_OR_RETURN(EnrolledKey record, decode_record(key, *value));
  return std::optional<EnrolledKey>(std::move(record));
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
  if (config.central_key && peer == *config.central_key) return true;
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
