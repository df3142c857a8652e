#include "registry/registry_query.h"

#include <algorithm>
#include <map>
#include <set>

#include "registry/registry_keys.h"

namespace mhero::registry {

namespace {

/// Calls `fn` (bool(Record&): false stops) with every stored record of `kind`, removed ones
/// included. Errors: the scan's, or corruption from the first record that does not decode.
template <typename Record, typename Fn>
Status scan_records(const ViewReader& views, RecordKind kind, Fn&& fn) {
  Status failure;
  MHERO_RETURN_IF_ERROR(views.scan(record_prefix(kind), [&](std::string_view, std::string_view v) {
    auto stored = decode_stored<Record>(v);
    if (!stored.ok()) {
      failure = stored.status();
      return false;
    }
    return fn(stored->record);
  }));
  return failure;
}

}  // namespace

Result<ProviderRecord> find_provider(const ViewReader& views, std::string_view entity_id) {
  MHERO_ASSIGN_OR_RETURN(auto bytes, views.get(record_key(RecordKind::provider, entity_id)));
  if (!bytes) return not_found("provider " + std::string(entity_id) + " is not in the registry");
  MHERO_ASSIGN_OR_RETURN(auto stored, decode_stored<ProviderRecord>(*bytes));
  if (stored.record.removed) {
    return not_found("provider " + std::string(entity_id) + " was removed from the registry");
  }
  return std::move(stored.record);
}

Status scan_index(const ViewReader& views, std::string_view index, std::string_view value,
                  const std::function<void(std::string_view)>& fn) {
  std::string prefix = index_prefix(index, value);
  return views.scan(prefix, [&](std::string_view key, std::string_view) {
    fn(key.substr(prefix.size()));
    return true;
  });
}

Result<std::vector<ProviderRecord>> find_by_phone(const ViewReader& views, std::string_view e164) {
  std::vector<std::string> ids;
  MHERO_RETURN_IF_ERROR(scan_index(views, "phone", e164, [&](std::string_view id) { ids.emplace_back(id); }));
  std::vector<ProviderRecord> out;
  for (const auto& id : ids) {
    auto p = find_provider(views, id);
    if (p.ok()) {
      out.push_back(std::move(p).value());
    } else if (p.status().code() != StatusCode::not_found) {
      return p.status();
    }
  }
  return out;
}

Status for_each_provider(const ViewReader& views, const std::function<bool(const ProviderRecord&)>& fn) {
  return scan_records<ProviderRecord>(views, RecordKind::provider,
                                      [&](const ProviderRecord& p) { return p.removed || fn(p); });
}

Result<std::vector<ProviderRecord>> list_providers(const ViewReader& views, const ProviderFilter& filter) {
  std::optional<std::set<std::string>> selected;
  auto narrow = [&](std::string_view index, const std::vector<std::string>& values) -> Status {
    if (values.empty()) return {};
    std::set<std::string> hits;
    for (const auto& v : values) {
      MHERO_RETURN_IF_ERROR(scan_index(views, index, v, [&](std::string_view id) {
        if (!selected || selected->count(std::string(id))) hits.emplace(id);
      }));
    }
    selected = std::move(hits);
    return {};
  };
  MHERO_RETURN_IF_ERROR(narrow("cadre", filter.cadres));
  MHERO_RETURN_IF_ERROR(narrow("district", filter.districts));
  MHERO_RETURN_IF_ERROR(narrow("facility", filter.facilities));
  MHERO_RETURN_IF_ERROR(narrow("skill", filter.skills));
  std::vector<ProviderRecord> out;
  if (!selected) {
    MHERO_RETURN_IF_ERROR(for_each_provider(views, [&](const ProviderRecord& p) {
      out.push_back(p);
      return true;
    }));
    return out;
  }
  for (const auto& id : *selected) {
    MHERO_ASSIGN_OR_RETURN(auto p, find_provider(views, id));
    out.push_back(std::move(p));
  }
  return out;
}

namespace {

template <typename Record>
Result<std::unordered_map<std::string, Record>> held(const ViewReader& views, RecordKind kind) {
  std::unordered_map<std::string, Record> out;
  MHERO_RETURN_IF_ERROR(scan_records<Record>(views, kind, [&](Record& r) {
    std::string id = r.entity_id;
    out.emplace(std::move(id), std::move(r));
    return true;
  }));
  return out;
}

size_t count_keys(const ViewReader& views, const std::string& prefix, Status& st) {
  size_t n = 0;
  st = views.scan(prefix, [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  return n;
}

}  // namespace

Result<std::unordered_map<std::string, FacilityRecord>> held_facilities(const ViewReader& views) {
  return held<FacilityRecord>(views, RecordKind::facility);
}

Result<std::unordered_map<std::string, OrganizationRecord>> held_organizations(const ViewReader& views) {
  return held<OrganizationRecord>(views, RecordKind::organization);
}

Result<RegistryStats> registry_stats(const ViewReader& views) {
  RegistryStats s;
  std::map<std::string, size_t> districts, mobiles;
  MHERO_RETURN_IF_ERROR(scan_records<ProviderRecord>(views, RecordKind::provider, [&](const ProviderRecord& p) {
    if (p.removed) {
      ++(p.district.empty() ? s.removed_unassigned : s.removed);
      return true;
    }
    ++s.providers;
    if (p.status == RecordStatus::active) ++s.active;
    if (p.status == RecordStatus::inactive) ++s.inactive;
    if (p.status == RecordStatus::unknown) ++s.status_unknown;
    if (!p.mobile_e164().empty()) ++s.with_valid_mobile;
    if (!p.mobile_e164().empty() && p.status != RecordStatus::inactive) ++mobiles[p.mobile_e164()];
    if (p.district.empty()) {
      ++s.unassigned;
    } else {
      ++districts[p.district];
    }
    return true;
  }));
  Status st;
  s.facilities = count_keys(views, record_prefix(RecordKind::facility), st);
  MHERO_RETURN_IF_ERROR(st);
  s.organizations = count_keys(views, record_prefix(RecordKind::organization), st);
  MHERO_RETURN_IF_ERROR(st);
  s.code_lists = count_keys(views, record_prefix(RecordKind::code_list), st);
  MHERO_RETURN_IF_ERROR(st);
  s.by_district.assign(districts.begin(), districts.end());
  for (const auto& [phone, n] : mobiles) {
    if (n < 2) continue;
    ++s.shared_phones;
    s.workers_on_shared_phones += n;
  }
  return s;
}

}  // namespace mhero::registry
