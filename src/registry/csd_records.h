// Per-record parsing of CSD elements (private to src/registry; used by csd_parser.cc).
#pragma once

#include <pugixml.hpp>

#include <functional>
#include <string>

#include "registry/csd_types.h"
#include "registry/phone.h"

namespace mhero::registry {

struct RecordContext {
  const PhoneNormalizer& phones;
  std::vector<RecordWarning>& warnings;
  std::function<std::string(pugi::xml_node)> where;  // "file.xml:LINE" of a node.
  void warn(pugi::xml_node node, const std::string& id, std::string reason) const {
    warnings.push_back(RecordWarning{id, std::move(reason), where(node)});
  }
};

/// Each returns false (with a warning) when the record has no id and must be skipped.
bool parse_provider(pugi::xml_node node, const RecordContext& ctx, ProviderRecord& out);
bool parse_facility(pugi::xml_node node, const RecordContext& ctx, FacilityRecord& out);
bool parse_organization(pugi::xml_node node, const RecordContext& ctx, OrganizationRecord& out);
CodeList parse_value_set(pugi::xml_node root);

}  // namespace mhero::registry
