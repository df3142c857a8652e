#include "store/scope.h"

namespace mhero {

namespace {
constexpr std::string_view kDistrictPrefix = "district/";
}

bool valid_district_code(std::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  for (char c : code) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool valid_scope(std::string_view scope) {
  return scope == kNationalScope || district_of_scope(scope).has_value();
}

std::string district_scope(std::string_view code) {
  return std::string(kDistrictPrefix) + std::string(code);
}

std::optional<std::string> district_of_scope(std::string_view scope) {
  if (!scope.starts_with(kDistrictPrefix)) return std::nullopt;
  std::string_view code = scope.substr(kDistrictPrefix.size());
  if (!valid_district_code(code)) return std::nullopt;
  return std::string(code);
}

}  // namespace mhero
