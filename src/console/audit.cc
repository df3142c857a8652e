#include "console/audit.h"

#include <capnp/message.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "store/entry.h"

namespace mhero::console {

namespace {

constexpr std::string_view kPrefix = "audit/t/";

std::string time_key(int64_t time_ms) {
  return fmt::format("{:016x}", static_cast<uint64_t>(INT64_MAX - std::max<int64_t>(time_ms, 0)));
}

}  // namespace

Status append_audit(Node& node, const AuditRecord& r) {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<schema::Payload>().initAudit();
  event.setTimeMs(r.time_ms);
  event.setUser(r.user);
  event.setAction(r.action);
  event.setObject(r.object);
  event.setOutcome(r.outcome);
  event.setClientAddress(r.client_address);
  auto appended = node.store().append(node.key(), node.own_scope(),
                                      message.getRoot<schema::Payload>().asReader());
  return appended.status();
}

Status AuditView::apply(const Entry& entry, ViewBatch& batch) {
  if (entry.kind() != schema::Payload::AUDIT) return {};
  auto e = entry.payload().getAudit();
  nlohmann::json j = {{"time_ms", e.getTimeMs()},
                      {"user", std::string(e.getUser().cStr())},
                      {"action", std::string(e.getAction().cStr())},
                      {"object", std::string(e.getObject().cStr())},
                      {"outcome", std::string(e.getOutcome().cStr())},
                      {"client", std::string(e.getClientAddress().cStr())}};
  std::string key = std::string(kPrefix) + time_key(e.getTimeMs()) + "/" + entry.feed().author.hex() + "/" +
                    fmt::format("{:016x}", UINT64_MAX - entry.seq());
  // Text fields come from a signed entry but may hold invalid UTF-8; keep them, replaced.
  batch.put(key, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return {};
}

Status scan_audit(const ViewReader& views, const AuditFilter& filter, std::string_view after_key,
                  const std::function<bool(const AuditRecord&, std::string_view key)>& fn) {
  std::string start = std::string(kPrefix) + (filter.to_ms == INT64_MAX ? "" : time_key(filter.to_ms));
  if (!after_key.empty() && std::string(after_key) > start) start = std::string(after_key);
  std::string skip = std::string(after_key);
  Status bad;
  MHERO_RETURN_IF_ERROR(views.scan_from(kPrefix, start, [&](std::string_view key, std::string_view value) {
    if (key == skip) return true;
    auto j = nlohmann::json::parse(value, nullptr, false);
    if (!j.is_object()) {
      bad = corruption("view key " + std::string(key) + " is not an audit record");
      return false;
    }
    AuditRecord r;
    r.time_ms = j.value("time_ms", int64_t{0});
    if (r.time_ms < filter.from_ms) return false;  // Older than the range: done.
    if (r.time_ms > filter.to_ms) return true;
    r.user = j.value("user", "");
    r.action = j.value("action", "");
    if (!filter.user.empty() && r.user != filter.user) return true;
    if (!filter.action.empty()) {
      bool prefix = filter.action.back() == '.';
      if (prefix ? !r.action.starts_with(filter.action) : r.action != filter.action) return true;
    }
    r.object = j.value("object", "");
    r.outcome = j.value("outcome", "");
    r.client_address = j.value("client", "");
    // Key tail: "<author: 64 hex>/<seq: 16 hex>".
    if (key.size() != kPrefix.size() + 16 + 1 + 64 + 1 + 16) {
      bad = corruption("view key " + std::string(key) + " is not an audit key");
      return false;
    }
    r.node = std::string(key.substr(kPrefix.size() + 17, 64));
    r.seq = UINT64_MAX - std::strtoull(std::string(key.substr(key.size() - 16)).c_str(), nullptr, 16);
    return fn(r, key);
  }));
  return bad;
}

}  // namespace mhero::console
