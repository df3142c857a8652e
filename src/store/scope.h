// Scopes say who may hold data (DESIGN.md): "national", or "district/<code>" where <code> is the
// district's location code (letters, digits, '-', '_', '.', 1 to 64 characters).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mhero {

inline constexpr std::string_view kNationalScope = "national";

/// True for "national" and well-formed "district/<code>".
bool valid_scope(std::string_view scope);
/// True for a well-formed district code.
bool valid_district_code(std::string_view code);
/// "district/<code>".
std::string district_scope(std::string_view code);
/// The code of a district scope; nullopt for "national" or a malformed scope.
std::optional<std::string> district_of_scope(std::string_view scope);

}  // namespace mhero
