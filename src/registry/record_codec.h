// Conversions between plain registry records (csd_types.h) and their Cap'n Proto form
// (schema/payload.capnp Provider, Facility, Organization, CodeList), and the byte form of one
// record as kept in the registry view (a single-segment-table Cap'n Proto message).
#pragma once

#include <string>
#include <string_view>

#include "payload.capnp.h"
#include "registry/csd_types.h"
#include "util/status.h"

namespace mhero::registry {

void to_capnp(const ProviderRecord& r, schema::Provider::Builder b);
void to_capnp(const FacilityRecord& r, schema::Facility::Builder b);
void to_capnp(const OrganizationRecord& r, schema::Organization::Builder b);
void to_capnp(const CodeList& r, schema::CodeList::Builder b);

ProviderRecord from_capnp(schema::Provider::Reader r);
FacilityRecord from_capnp(schema::Facility::Reader r);
OrganizationRecord from_capnp(schema::Organization::Reader r);
CodeList from_capnp(schema::CodeList::Reader r);

/// A serialized message whose root is the record's struct.
template <typename Record>
std::string encode_record(const Record& record);
/// Parses encode_record's output. Errors: corruption (not a valid message).
template <typename Record>
Result<Record> decode_record(std::string_view bytes);

}  // namespace mhero::registry
