// Reads CSD documents (IHE CSD 1.0, urn:ihe:iti:csd:2013: providers, facilities, organizations)
// and SVS value sets (urn:ihe:iti:svs:2008) with pugixml into plain records (csd_types.h).
//
// Tolerant of real exports: a record with a problem (no entityID, invalid record/@updated, junk
// phone, missing status, empty facility reference) is kept or skipped with a RecordWarning; one
// bad record never aborts a document. A document that is not well-formed XML, or whose root is
// neither CSD nor ValueSet, is an error and yields nothing.
#pragma once

#include <filesystem>
#include <string>

#include "registry/csd_types.h"
#include "registry/phone.h"
#include "util/status.h"

namespace mhero::registry {

/// Parses the file at `path`. Errors: not_found (cannot read), invalid_argument
/// "PATH:LINE:COLUMN: <XML error>" for malformed XML, invalid_argument naming the root element
/// when the file is not a CSD document or SVS value set.
Result<CsdDocument> parse_csd_file(const std::filesystem::path& path, const PhoneNormalizer& phones);

/// Parses `text` (consumed); `name` stands for the file in messages and warnings. Every record's
/// source is "csd:" + the last path component of `name`.
Result<CsdDocument> parse_csd_text(std::string text, const std::string& name,
                                   const PhoneNormalizer& phones);

/// Appends `from` to `into`. A record whose entityID is already in `into` replaces it (a later
/// file wins) with a warning.
void merge_documents(CsdDocument& into, CsdDocument&& from);

/// Sets the source (Provider.source in schema/payload.capnp) of every record of `doc`.
void set_source(CsdDocument& doc, const std::string& source);

/// Sets the origin (Provider.origin, Facility.origin: provenance) of every provider and facility
/// of `doc`, e.g. "file Providers.xml sha256:<hex>".
void set_origin(CsdDocument& doc, const std::string& origin);

/// "file <name> sha256:<64 hex>" of the file at `path` (libsodium crypto_hash_sha256 of its
/// bytes). Errors: not_found when it cannot be read.
Result<std::string> file_origin(const std::filesystem::path& path);

/// Maps status words ("Active", "inactive", "Retired", …) and CSD codes (106-001, 106-002).
/// nullopt for an unknown value.
std::optional<RecordStatus> parse_status(std::string_view text);

}  // namespace mhero::registry
