// An OpenInfoMan stand-in (tests and demo): serves CSD documents loaded from files through the
// careServicesRequest stored functions OpenInfoMan exposes:
//   POST /CSD/csr/{document}/careServicesRequest/urn:ihe:iti:csd:2014:stored-function:provider-search
//   … facility-search, … organization-search
// with a body <csd:requestParams>[<csd:id entityID="…"/>][<csd:record updated="…"/>]</csd:requestParams>
// (OpenInfoMan's 2014 stored functions). record/@updated selects records updated at or after
// that time (records whose own updated time is invalid are only returned without the filter).
// Replies: 200 with a CSD document (text/xml); 401 without the right HTTP Basic credentials;
// 404 for an unknown document, function or path; 400 for a malformed or unexpected body;
// 405 for a method other than POST.
//
// Thread-safety: handle() may be called from any thread; documents may be replaced while serving.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/http_message.h"
#include "util/status.h"

namespace mhero::openinfoman_emulator {

inline constexpr const char* kProviderSearch = "urn:ihe:iti:csd:2014:stored-function:provider-search";
inline constexpr const char* kFacilitySearch = "urn:ihe:iti:csd:2014:stored-function:facility-search";
inline constexpr const char* kOrganizationSearch = "urn:ihe:iti:csd:2014:stored-function:organization-search";

struct EmulatorOptions {
  std::string username = "oim";
  std::string password = "oim-secret";
  /// Each stored-function call waits this long before answering (a slow OpenInfoMan, for the
  /// OpenHIM router-timeout tests). Settable while serving: set_delay().
  std::chrono::milliseconds delay{0};
};

class Emulator {
 public:
  explicit Emulator(EmulatorOptions options) : options_(std::move(options)) {}

  /// Loads (or replaces) document `name` from CSD XML files (their records are merged).
  /// Errors: not_found, invalid_argument "file:offset: …" for malformed XML or a non-CSD root.
  Status load(const std::string& name, const std::vector<std::filesystem::path>& files);
  /// Same from text (tests).
  Status load_text(const std::string& name, const std::vector<std::string>& texts);

  net::HttpResponse handle(const net::HttpRequest& request) const;

  void set_delay(std::chrono::milliseconds delay);

  /// Requests answered with 200 so far (tests check that a pull asked).
  size_t searches_served() const;

 private:
  struct Record {
    std::string entity_id;
    std::optional<std::chrono::sys_seconds> updated;
    std::string xml;  // The element, serialised as in the source.
  };
  struct Document {
    std::vector<Record> providers, facilities, organizations;
  };
  EmulatorOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Document> documents_;
  mutable size_t served_ = 0;
};

}  // namespace mhero::openinfoman_emulator
