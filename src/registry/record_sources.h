// The sources of one registry record (Provider.source, Facility.source, Organization.source): one
// or more "csd:<document or file>" / "mcsd:<FHIR base URL>" separated by a single space, sorted.
// A provider that a CSD source and an mCSD server both give (an mCSD Practitioner whose identifier
// of system [mcsd] csd_id_system carries the CSD entityID; registry/mcsd_mapper.h) is one record
// listing both. An import keeps the held record's sources of the other kind and replaces those of
// its own kind; a removal by one kind only drops that kind while another still lists the record.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mhero::registry {

/// "csd" of "csd:Providers", "mcsd" of "mcsd:https://…"; "" for "" (records before sources).
std::string_view source_kind(std::string_view source);

/// The sources of a record's source field (split on spaces; empty for "").
std::vector<std::string> split_sources(std::string_view sources);

/// `incoming` (one source) plus the sources of `held` of another kind, sorted, space-separated.
std::string merge_sources(std::string_view held, const std::string& incoming);

/// Whether `a` and `b` list sources of the same kinds, whatever their names: "csd:Providers" and
/// "csd:providers-2027-01-15.xml" do, "csd:x.xml" and "csd:x.xml mcsd:https://…" do not.
bool same_source_kinds(std::string_view a, std::string_view b);

/// `held` without its sources of kind `kind` ("" when none is left).
std::string drop_source_kind(std::string_view held, std::string_view kind);

}  // namespace mhero::registry
