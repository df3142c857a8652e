// Lenient reads of JSON members from outside systems (RapidPro, DHIS2, FHIR), where a member may
// be absent, null or of another type than documented and the reader decides what that means.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace mhero {

/// `j[key]` when `j` is an object holding a string there; "" otherwise (absent, null, a number).
inline std::string string_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace mhero
