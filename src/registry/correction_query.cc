#include "registry/correction_query.h"

#include <algorithm>

#include "registry/correction_view.h"
#include "registry/record_codec.h"
#include "store/entry.h"

namespace mhero::registry {

namespace {

using nlohmann::json;

Result<Correction> parse_held(std::string_view key, std::string_view value) {
  json j = json::parse(value, nullptr, false);
  if (j.is_discarded()) return corruption("corrections view: " + std::string(key) + " is not JSON");
  return correction_from_json(j);
}

/// True when another undecided-or-not correction of the same provider by the same node came
/// after `c` (a newer proposal replaces an open one).
Result<bool> superseded(const ViewReader& views, const Correction& c) {
  if (c.decision) return false;
  bool newer = false;
  Status s = views.scan(correction_entity_prefix(c.entity_id), [&](std::string_view key, std::string_view) {
    std::string other_id(key.substr(correction_entity_prefix(c.entity_id).size()));
    if (other_id == c.id) return true;
    auto other = views.get(correction_key(other_id));
    if (!other.ok() || !*other) return true;
    auto o = parse_held(other_id, **other);
    if (o.ok() && o->entry.feed == c.entry.feed && o->entry.seq > c.entry.seq) newer = true;
    return !newer;
  });
  MHERO_RETURN_IF_ERROR(s);
  return newer;
}

}  // namespace

Result<Correction> find_correction(const ViewReader& views, std::string_view id) {
  if (id.empty()) {
    return invalid_argument("no correction id given; `mhero registry corrections list` shows those held, each with its id");
  }
  MHERO_ASSIGN_OR_RETURN(auto held, views.get(correction_key(id)));
  if (!held) {
    return not_found("no correction " + std::string(id) +
                     " is held on this node; `mhero registry corrections list` shows those held");
  }
  MHERO_ASSIGN_OR_RETURN(auto c, parse_held(id, *held));
  MHERO_ASSIGN_OR_RETURN(c.superseded, superseded(views, c));
  return c;
}

Result<std::vector<Correction>> list_corrections(const ViewReader& views, const CorrectionFilter& f) {
  std::vector<Correction> out;
  Status failed;
  std::string prefix = correction_key("");
  Status s = views.scan(prefix, [&](std::string_view key, std::string_view value) {
    auto c = parse_held(key, value);
    if (!c.ok()) {
      failed = c.status();
      return false;
    }
    if (!f.district.empty() && c->district != f.district) return true;
    if (!f.kind.empty() && c->kind() != f.kind) return true;
    if (!f.entity_id.empty() && c->entity_id != f.entity_id) return true;
    out.push_back(std::move(c).value());
    return true;
  });
  MHERO_RETURN_IF_ERROR(s);
  MHERO_RETURN_IF_ERROR(failed);
  for (auto& c : out) {
    MHERO_ASSIGN_OR_RETURN(c.superseded, superseded(views, c));
  }
  if (f.state) {
    std::erase_if(out, [&](const Correction& c) { return c.state() != *f.state; });
  }
  std::stable_sort(out.begin(), out.end(), [](const Correction& a, const Correction& b) {
    return a.proposed_at_ms != b.proposed_at_ms ? a.proposed_at_ms < b.proposed_at_ms : a.id < b.id;
  });
  return out;
}

Result<std::optional<EntryRef>> record_writer(const ViewReader& views, RecordKind kind, std::string_view id) {
  MHERO_ASSIGN_OR_RETURN(auto held, views.get(writer_key(kind, id)));
  if (!held) return std::optional<EntryRef>{};
  auto ref = parse_entry_ref(*held);
  if (!ref.ok()) return corruption("registry view: writer of " + std::string(id) + ": " + ref.status().message());
  return std::optional<EntryRef>(*ref);
}

Result<std::optional<ProviderRecord>> provider_in_entry(const LogStore& store, const EntryRef& ref,
                                                        std::string_view entity_id) {
  if (ref.seq == 0) return std::optional<ProviderRecord>{};
  auto entry = store.get(ref.feed, ref.seq);
  if (!entry.ok()) {
    if (entry.status().code() == StatusCode::not_found) return std::optional<ProviderRecord>{};
    return entry.status();
  }
  schema::RegistryChunk::Reader chunk;
  if (entry->kind() == schema::Payload::REGISTRY_SNAPSHOT) {
    chunk = entry->payload().getRegistrySnapshot();
  } else if (entry->kind() == schema::Payload::REGISTRY_DELTA) {
    chunk = entry->payload().getRegistryDelta();
  } else {
    return std::optional<ProviderRecord>{};
  }
  for (auto p : chunk.getProviders()) {
    if (std::string_view(p.getEntityId().cStr(), p.getEntityId().size()) == entity_id) return std::optional<ProviderRecord>(from_capnp(p));
  }
  return std::optional<ProviderRecord>{};
}

Conflict find_conflict(const std::optional<ProviderRecord>& base, const ProviderRecord& current,
                       const Correction& c) {
  Conflict out;
  if (!base) return out;
  auto mine = c.change.fields();
  for (const char* f : kCorrectionFields) {
    if (field_value(*base, f) == field_value(current, f)) continue;
    bool same = std::find(mine.begin(), mine.end(), f) != mine.end();
    std::string wanted = proposed_value(c, f);
    if (std::string_view(f) == "status" && wanted == "left") wanted = "inactive";
    if (same && field_value(current, f) == wanted) continue;  // The source made the same change: no conflict.
    out.changed.emplace_back(f);
    if (same) out.level = "hard";
    else if (out.level.empty()) out.level = "soft";
  }
  return out;
}

}  // namespace mhero::registry
