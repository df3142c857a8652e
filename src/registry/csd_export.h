// Writes accepted registry corrections back out for the source registry's staff (iHRIS /
// OpenInfoMan): a CSD document (IHE CSD 1.0, urn:ihe:iti:csd:2013) holding one `provider` per
// corrected record with its current elements (the corrected ones among them) and
// record/@updated = the decision's time, which csd_parser.h reads back; and a CSV for people.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "registry/correction.h"
#include "store/log_store.h"

namespace mhero::registry {

struct ExportedCorrection {
  Correction correction;
  ProviderRecord record;  // As held now (carries the accepted values).
  std::optional<ProviderRecord> base;  // As the proposer saw it; nullopt when not held here.
};

/// Accepted corrections decided at or after `since`, oldest decision first, with the provider
/// each one changed (a correction whose provider is no longer held is left out).
/// Errors: corruption.
Result<std::vector<ExportedCorrection>> accepted_since(const LogStore& store, std::chrono::milliseconds since);

/// The CSD document (UTF-8 XML text) of `items`; a provider corrected twice appears once, with
/// the later decision's time.
std::string csd_document(const std::vector<ExportedCorrection>& items);

/// CSV (RFC 4180, header line): correction, entityID, name, district, field, old value (the base
/// the district saw), new value, reviewer, decided (UTC), note.
std::string corrections_csv(const std::vector<ExportedCorrection>& items);

}  // namespace mhero::registry
