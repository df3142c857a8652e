// Orchestrations: one record per call the central node made to OpenInfoMan or RapidPro while
// serving an OpenHIM trigger (the `orchestrations` of an application/json+openhim reply; OpenHIM
// docs/dev-guide/mediators.md "Return transaction metadata"). Bodies are cut to
// kOrchestrationBodyBytes, and phone numbers and names are removed before they leave the node:
// OpenHIM keeps them for years, and health workers' numbers are not OpenHIM's to keep.
#pragma once

#include <nlohmann/json.hpp>

#include <mutex>
#include <string>

#include "net/http_client.h"

namespace mhero::integrations {

inline constexpr size_t kOrchestrationBodyBytes = 4000;
inline constexpr size_t kMaxOrchestrations = 200;  // More calls: counted, not listed.

/// `text` with phone numbers (`tel:` URNs, "+" and 9–15 digit runs) replaced by "[phone]" and
/// person names (CSD forename, surname, commonName, otherName, honorific, suffix elements; JSON
/// "name" members) by "[name]", then cut to `limit` bytes (a cut ends in "…[truncated]").
std::string scrub_body(const std::string& text, size_t limit = kOrchestrationBodyBytes);

/// The orchestration for one exchange: name ("OpenInfoMan provider-search", "RapidPro POST
/// broadcasts.json"), request {method, path, querystring, headers (no Authorization), body,
/// timestamp}, response {status, headers, body, timestamp} (status 0 and the error as body when
/// the call failed). ISO 8601 UTC timestamps with milliseconds.
nlohmann::json orchestration(const net::HttpExchange& exchange);

/// ISO 8601 UTC with milliseconds ("2026-12-02T13:44:34.123Z").
std::string iso_time(std::chrono::system_clock::time_point t);

/// Collects orchestrations from an HttpClient observer. Thread-safe.
class OrchestrationLog {
 public:
  net::HttpObserver observer();
  /// What was collected so far, and how many calls were beyond kMaxOrchestrations.
  nlohmann::json list() const;
  size_t dropped() const;

 private:
  mutable std::mutex mu_;
  nlohmann::json list_ = nlohmann::json::array();
  size_t dropped_ = 0;
};

}  // namespace mhero::integrations
