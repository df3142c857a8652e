#include "registry/importer.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "registry/chunk_writer.h"
#include "registry/csd_parser.h"
#include "registry/overlay.h"
#include "registry/record_sources.h"
#include "registry/record_codec.h"
#include "registry/registry_keys.h"
#include "registry/registry_query.h"
#include "store/scope.h"

namespace mhero::registry {

size_t ImportReport::entries_written() const {
  size_t n = 0;
  for (const auto& [scope, count] : entries_by_scope) n += count;
  return n;
}

namespace {

std::string scope_of_district(const std::string& district) {
  return district.empty() ? std::string(kNationalScope) : district_scope(district);
}

template <typename Record>
Result<std::optional<StoredRecord<Record>>> held_record(const ViewReader& views, RecordKind kind,
                                                        const std::string& id) {
  MHERO_ASSIGN_OR_RETURN(auto bytes, views.get(record_key(kind, id)));
  if (!bytes) return std::optional<StoredRecord<Record>>{};
  MHERO_ASSIGN_OR_RETURN(auto stored, decode_stored<Record>(*bytes));
  return std::optional<StoredRecord<Record>>(std::move(stored));
}

/// A full import removes only records of its own kind of source (a CSD file never removes what
/// an mCSD server gave, and the reverse); records without a source count as any kind. True when
/// `held` still lists a source of another kind than `imported` (record_sources.h).
bool other_source(std::string_view held, std::string_view imported) {
  return !held.empty() && !imported.empty() && !drop_source_kind(held, source_kind(imported)).empty();
}

/// A provider that a removal of kind `kind` leaves with other sources: the held record without
/// that kind's sources, queued in its feed (nothing when it did not list that kind).
void drop_provider_source(const StoredRecord<ProviderRecord>& held, std::string_view kind, ChunkWriter& writer,
                          ImportReport& report) {
  std::string rest = drop_source_kind(held.record.source, kind);
  if (rest == held.record.source) return;
  ProviderRecord kept = held.record;
  kept.source = rest;
  writer.add(held.scope, std::move(kept));
  ++report.changed;
}

/// Whether `incoming` brings nothing new over `held`: the same record, or one that differs only in
/// the names of its sources, kinds alike (the registry exported again under another file name, a
/// dated one say: every record would otherwise be written again, to every district). Then
/// `incoming` keeps the held sources and nothing is written.
template <typename Record>
bool nothing_new(const Record& held, Record& incoming) {
  if (held.same_record(incoming)) return true;
  if (held.source == incoming.source || !same_source_kinds(held.source, incoming.source)) return false;
  std::string named = std::exchange(incoming.source, held.source);
  if (held.same_record(incoming)) return true;
  incoming.source = std::move(named);
  return false;
}

/// Diffs one kind of national record (facility, organization) and queues changes.
template <typename Record>
Status diff_national(const ViewReader& views, RecordKind kind, std::vector<Record>& parsed,
                     const std::unordered_map<std::string, Record>& held, bool full,
                     ChunkWriter& writer, ImportReport& report) {
  std::unordered_set<std::string> seen;
  for (auto& r : parsed) {
    seen.insert(r.entity_id);
    MHERO_ASSIGN_OR_RETURN(auto current, held_record<Record>(views, kind, r.entity_id));
    if (current && !current->record.removed && nothing_new(current->record, r)) {
      ++report.unchanged;
      continue;
    }
    ++(current && !current->record.removed ? report.changed : report.added);
    writer.add(std::string(kNationalScope), r);
  }
  if (full && !parsed.empty()) {
    for (const auto& [id, r] : held) {
      if (r.removed || seen.count(id) || other_source(r.source, parsed.front().source)) continue;
      Record tomb;
      tomb.entity_id = id;
      tomb.district = r.district;
      tomb.removed = true;
      writer.add(std::string(kNationalScope), tomb);
      ++report.removed;
    }
  }
  return {};
}

/// Removals the source listed (CsdDocument::removed_*): a tombstone for each record held live,
/// in the feed that holds it. A provider also present in `seen` (re-added) is left alone.
Status remove_listed(const CsdDocument& doc, const std::unordered_map<std::string, FacilityRecord>& fac,
                     const std::unordered_map<std::string, OrganizationRecord>& org,
                     const std::unordered_map<std::string, std::string>& providers,
                     const std::unordered_set<std::string>& seen, ChunkWriter& writer,
                     ImportReport& report) {
  auto national = [&](const auto& held, const std::vector<std::string>& ids, auto tomb) {
    for (const auto& id : ids) {
      auto it = held.find(id);
      if (it == held.end() || it->second.removed) continue;
      tomb.entity_id = id;
      tomb.district = it->second.district;
      tomb.source = it->second.source;
      tomb.removed = true;
      writer.add(std::string(kNationalScope), tomb);
      ++report.removed;
    }
  };
  national(fac, doc.removed_facilities, FacilityRecord{});
  national(org, doc.removed_organizations, OrganizationRecord{});
  for (const auto& id : doc.removed_providers) {
    auto it = providers.find(id);
    if (it == providers.end() || seen.count(id)) continue;
    MHERO_ASSIGN_OR_RETURN(auto stored, decode_stored<ProviderRecord>(it->second));
    if (stored.record.removed) continue;
    // Listed removals come from mCSD (DELETE entries, active = false): a provider a CSD source
    // also gives stays, without its mCSD source.
    if (other_source(stored.record.source, "mcsd:")) {
      drop_provider_source(stored, "mcsd", writer, report);
      continue;
    }
    ProviderRecord tomb;
    tomb.entity_id = id;
    tomb.district = stored.record.district;
    tomb.source = stored.record.source;
    tomb.removed = true;
    writer.add(stored.scope, tomb);
    ++report.removed;
  }
  return {};
}

/// The moved-share guard: failed_precondition when `moves` exceed `percent` of the live
/// providers held in a district (decoded only here, when something moved).
Status check_moved_share(const std::unordered_map<std::string, std::string>& held_providers,
                         const std::vector<DistrictMove>& moves, int percent) {
  size_t in_district = 0;
  for (const auto& [id, bytes] : held_providers) {
    MHERO_ASSIGN_OR_RETURN(auto stored, decode_stored<ProviderRecord>(bytes));
    if (!stored.record.removed && !stored.record.district.empty()) ++in_district;
  }
  if (moves.size() * 100 <= static_cast<size_t>(percent) * in_district) return {};
  size_t to_unassigned = 0;
  for (const auto& m : moves) to_unassigned += m.to.empty();
  std::string text = "this import would move " + std::to_string(moves.size()) + " of the " +
                     std::to_string(in_district) + " providers held in a district (" +
                     std::to_string(moves.size() * 100 / std::max<size_t>(in_district, 1)) +
                     " %; " + std::to_string(to_unassigned) +
                     " to unassigned, never messaged) — more than [registry] max_moved_percent = " +
                     std::to_string(percent) + " %; nothing was written. For example:";
  for (size_t i = 0; i < moves.size() && i < 5; ++i) {
    text += " " + moves[i].entity_id + " " + moves[i].from + " -> " +
            (moves[i].to.empty() ? "unassigned" : moves[i].to) + (i + 1 < moves.size() && i < 4 ? "," : "");
  }
  if (moves.size() > 5) text += " and " + std::to_string(moves.size() - 5) + " more";
  text += ". Check [registry] district_map, district_authority and district_address_component (and [mcsd] "
          "district_*); if the moves are right, run again with --force";
  return failed_precondition(text);
}

/// The removed-share guard: failed_precondition when a full import's `removed` providers exceed
/// `percent` of the `live` providers held (before the import).
Status check_removed_share(const std::vector<std::string>& removed, size_t live, int percent) {
  if (removed.size() * 100 <= static_cast<size_t>(percent) * live) return {};
  // The share to one decimal, rounded up: 101 of 1000 reads 10.1 %, never the limit itself.
  size_t tenths = (removed.size() * 1000 + live - 1) / std::max<size_t>(live, 1);
  std::string share = std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "");
  std::string text = "this --full import would mark " + std::to_string(removed.size()) + " of the " +
                     std::to_string(live) + " health workers held removed (" + share +
                     " %: they would get no more messages) — more than [registry] max_removed_percent = " +
                     std::to_string(percent) + " %; nothing was written. Absent from the file, for example:";
  for (size_t i = 0; i < removed.size() && i < 5; ++i) text += (i ? ", " : " ") + removed[i];
  if (removed.size() > 5) text += " and " + std::to_string(removed.size() - 5) + " more";
  text += ". Is the file the whole registry? A partial export (one district, one page) must be imported without "
          "--full; if these health workers really left, run again with --force";
  return failed_precondition(text);
}

}  // namespace

Result<ImportReport> import_records(LogStore& store, const NodeKey& key, CsdDocument doc,
                                    const ImportOptions& options) {
  const ViewReader& views = store.views();
  ImportReport report;
  report.providers = doc.providers.size();
  report.facilities = doc.facilities.size();
  report.organizations = doc.organizations.size();
  report.code_lists = doc.code_lists.size();
  report.services = doc.services;
  report.warnings = std::move(doc.warnings);

  // District scoping over held + imported facilities and organizations.
  MHERO_ASSIGN_OR_RETURN(auto held_fac, held_facilities(views));
  MHERO_ASSIGN_OR_RETURN(auto held_org, held_organizations(views));
  std::unordered_map<std::string, const FacilityRecord*> fac_ptrs;
  std::unordered_map<std::string, const OrganizationRecord*> org_ptrs;
  for (const auto& [id, f] : held_fac) fac_ptrs[id] = &f;
  for (const auto& [id, o] : held_org) org_ptrs[id] = &o;
  for (const auto& f : doc.facilities) fac_ptrs[f.entity_id] = &f;
  for (const auto& o : doc.organizations) org_ptrs[o.entity_id] = &o;
  DistrictResolver resolver(options.rules, fac_ptrs, org_ptrs);
  std::vector<std::string> org_districts, fac_districts;
  for (const auto& o : doc.organizations) org_districts.push_back(resolver.organization_district(o.entity_id));
  for (const auto& f : doc.facilities) fac_districts.push_back(resolver.facility_district(f.entity_id));
  for (size_t i = 0; i < doc.organizations.size(); ++i) doc.organizations[i].district = org_districts[i];
  for (size_t i = 0; i < doc.facilities.size(); ++i) doc.facilities[i].district = fac_districts[i];

  ChunkWriter writer(options.import_id, options.chunk_records);
  MHERO_RETURN_IF_ERROR(diff_national(views, RecordKind::organization, doc.organizations, held_org,
                                      options.full, writer, report));
  MHERO_RETURN_IF_ERROR(diff_national(views, RecordKind::facility, doc.facilities, held_fac,
                                      options.full, writer, report));
  for (const auto& list : doc.code_lists) {
    MHERO_ASSIGN_OR_RETURN(auto bytes, views.get(record_key(RecordKind::code_list, list.oid)));
    if (bytes) {
      auto stored = decode_stored<CodeList>(*bytes);
      if (stored.ok() && stored->record == list) {
        ++report.unchanged;
        continue;
      }
    }
    ++(bytes ? report.changed : report.added);
    writer.add(std::string(kNationalScope), list);
  }

  // Held providers in one sequential scan (cheaper than a lookup per imported provider).
  std::unordered_map<std::string, std::string> held_providers;
  const std::string provider_prefix = record_prefix(RecordKind::provider);
  MHERO_RETURN_IF_ERROR(views.scan(provider_prefix, [&](std::string_view k, std::string_view v) {
    held_providers.emplace(k.substr(provider_prefix.size()), v);
    return true;
  }));
  std::unordered_set<std::string> seen;
  for (auto& p : doc.providers) {
    p.district = resolver.provider_district(p);
    seen.insert(p.entity_id);
    if (!p.mobile_e164().empty()) ++report.with_valid_mobile;
    if (p.status == RecordStatus::inactive) ++report.inactive;
    if (p.district.empty()) {
      ++report.unassigned;
      report.unassigned_ids.push_back(p.entity_id);
    }
    std::optional<StoredRecord<ProviderRecord>> current;
    if (auto it = held_providers.find(p.entity_id); it != held_providers.end()) {
      MHERO_ASSIGN_OR_RETURN(current, decode_stored<ProviderRecord>(it->second));
      // Known to another kind of source too (record_sources.h): one record listing both.
      if (!current->record.removed) p.source = merge_sources(current->record.source, p.source);
    }
    MHERO_ASSIGN_OR_RETURN(auto overlay, apply_overlay(store, current ? &*current : nullptr, p));
    if (overlay == OverlayOutcome::kept) report.source_differs_ids.push_back(p.entity_id);
    if (overlay == OverlayOutcome::retired) ++report.overlays_retired;
    if (overlay == OverlayOutcome::source_moved) {
      ++report.overlays_retired;
      report.warnings.push_back(RecordWarning{p.entity_id,
                                              "the source edited a corrected field after the correction was "
                                              "accepted: its newer value replaces correction " +
                                                  current->record.correction,
                                              ""});
    }
    bool live = current && !current->record.removed;
    if (live && nothing_new(current->record, p)) {
      ++report.unchanged;
      continue;
    }
    if (live && !current->record.district.empty() && current->record.district != p.district) {
      report.district_moves.push_back({p.entity_id, current->record.district, p.district});
    }
    std::string scope = scope_of_district(p.district);
    if (live && current->scope != scope) {
      ProviderRecord tomb;
      tomb.entity_id = p.entity_id;
      tomb.district = current->record.district;
      tomb.removed = true;
      writer.add(current->scope, tomb);
      ++report.moved;
    }
    ++(live ? report.changed : report.added);
    writer.add(scope, std::move(p));
  }
  std::vector<std::string> removed_providers;  // By this full import, for its guard.
  size_t live_providers = 0;
  if (options.full && !doc.providers.empty()) {
    std::vector<std::string> absent;  // In entityID order, so the chunks are deterministic.
    for (const auto& [id, bytes] : held_providers) {
      if (!seen.count(id)) absent.push_back(id);
    }
    std::sort(absent.begin(), absent.end());
    for (const auto& id : absent) {
      MHERO_ASSIGN_OR_RETURN(auto stored, decode_stored<ProviderRecord>(held_providers[id]));
      if (stored.record.removed) continue;
      if (other_source(stored.record.source, doc.providers.front().source)) {
        drop_provider_source(stored, source_kind(doc.providers.front().source), writer, report);
        continue;
      }
      ProviderRecord tomb;
      tomb.entity_id = id;
      tomb.district = stored.record.district;
      tomb.removed = true;
      writer.add(stored.scope, tomb);
      ++report.removed;
      removed_providers.push_back(id);
    }
    for (const auto& [id, bytes] : held_providers) {
      MHERO_ASSIGN_OR_RETURN(auto stored, decode_stored<ProviderRecord>(bytes));
      live_providers += !stored.record.removed;
    }
  }
  MHERO_RETURN_IF_ERROR(remove_listed(doc, held_fac, held_org, held_providers, seen, writer, report));
  if (!options.force && !report.district_moves.empty() && options.max_moved_percent < 100) {
    MHERO_RETURN_IF_ERROR(check_moved_share(held_providers, report.district_moves, options.max_moved_percent));
  }
  if (!options.force && !removed_providers.empty() && options.max_removed_percent < 100) {
    MHERO_RETURN_IF_ERROR(check_removed_share(removed_providers, live_providers, options.max_removed_percent));
  }
  MHERO_ASSIGN_OR_RETURN(report.entries_by_scope, writer.commit(store, key));
  return report;
}

Result<ImportReport> import_csd_files(LogStore& store, const NodeKey& key,
                                      const std::vector<std::filesystem::path>& files,
                                      const PhoneNormalizer& phones, const ImportOptions& options) {
  CsdDocument all;
  for (const auto& file : files) {
    MHERO_ASSIGN_OR_RETURN(auto doc, parse_csd_file(file, phones));
    MHERO_ASSIGN_OR_RETURN(std::string origin, file_origin(file));
    set_origin(doc, origin);
    merge_documents(all, std::move(doc));
  }
  return import_records(store, key, std::move(all), options);
}

}  // namespace mhero::registry
