// Reading fields of JSON that comes from outside (RapidPro API v2 replies) without exceptions.
// nlohmann's value() and get<>() throw type_error when a field holds another type or the item
// is not an object; nothing in the daemon catches those, so a reply of an unexpected shape
// (`{"results": [1]}`, `"responded": "yes"`) ended the process (found by review while writing the
// RapidPro fuzz target, issue 16).
// These readers give a fallback instead; callers skip or refuse the item with a Status.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mhero {

/// A null json that lives for the whole program.
inline const nlohmann::json& json_null() {
  static const nlohmann::json kNull;
  return kNull;
}

/// j[key] when `j` is an object holding `key`; json_null() otherwise. Valid while `j` lives.
inline const nlohmann::json& json_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return json_null();
  auto it = j.find(key);
  return it == j.end() ? json_null() : *it;
}

/// The string at j[key]; empty when absent or not a string.
inline std::string json_string(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = json_field(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

/// True only when j[key] is the boolean true.
inline bool json_true(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = json_field(j, key);
  return v.is_boolean() && v.get<bool>();
}

/// The first element of j[key] when that is a non-empty array; a null json otherwise.
inline const nlohmann::json& json_first(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = json_field(j, key);
  return v.is_array() && !v.empty() ? v.front() : json_null();
}

}  // namespace mhero
