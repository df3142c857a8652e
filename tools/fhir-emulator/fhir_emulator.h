// An mCSD Directory stand-in (tests and demo): a FHIR R4 server over loaded transaction Bundles
// (the iHRIS 5 demo files as they are), answering the searches an mCSD Update Client makes, in
// HAPI FHIR's shapes. No FHIR server can run on these machines (shared/research/fhir-openhim.md
// section 2), so this one is faithful on what our pull uses:
//
//   GET {base}/metadata                      CapabilityStatement (history-type listed when on)
//   GET {base}/{Type}?_count&_lastUpdated&_id searchset, oldest change first, `total`
//   GET {base}/{Type}/_history?_since&_count  history, newest version first, DELETE entries
//                                             (request.method DELETE, no resource)
//   GET {base}/{Type}/{id}                   the current version; 404 unknown, 410 deleted
//   GET {base}?_getpages=ID&_getpagesoffset=N&_count=N&_bundletype=…  next pages (HAPI's
//                                             opaque links at the base); 410 once expired
//   PUT {base}/{Type}/{id}, DELETE {base}/{Type}/{id}  a new version (tests change the data)
//
// _lastUpdated takes the prefixes eq gt ge lt le (repeatable, AND); _since and _lastUpdated
// take an instant or a date. Errors are OperationOutcome JSON: 400 for an unknown or malformed
// parameter, 401 (with WWW-Authenticate) without the configured Basic or Bearer credentials
// (/metadata stays open, as on SMART servers), 404 unknown type or path, 405 other methods.
// Every new version gets meta.versionId (1, 2, …) and meta.lastUpdated from the Clock.
//
// Thread-safety: all methods may be called from any thread (one mutex).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "net/http_message.h"
#include "util/clock.h"
#include "util/status.h"

namespace mhero::fhir_emulator {

struct EmulatorOptions {
  enum class Auth { none, basic, bearer };
  Auth auth = Auth::none;
  std::string username = "fhir", password = "fhir-secret";  // For basic.
  std::string token = "fhir-token";                         // For bearer.
  std::string base_path = "/fhir";  // Path of the FHIR base ("" = the root).
  size_t default_count = 20;        // _count when absent (HAPI's default page size).
  size_t max_count = 1000;          // Larger _count values are cut to this.
  bool history = true;              // Serve _history and list history-type in /metadata.
  bool empty_last_page = false;     // The last page with entries links to an empty one (HAPI).
};

class Emulator {
 public:
  Emulator(EmulatorOptions options, const Clock& clock);

  /// Loads a Bundle (transaction, batch, collection: each entry's resource) or a single
  /// resource; each becomes a new version at clock.now(). Returns resources loaded.
  /// Errors: not_found, invalid_argument "PATH: …" (not JSON, an entry without type or id).
  Result<size_t> load_file(const std::filesystem::path& path);
  Result<size_t> load_text(const std::string& text, const std::string& name);

  /// Stores a new version of `resource` (its resourceType and id). Errors: invalid_argument.
  Status put(nlohmann::json resource);
  /// Records a deletion (a DELETE history entry). Errors: not_found when not held.
  Status remove(const std::string& type, const std::string& id);
  /// Forgets every paging id: their next links answer 410 (HAPI's expired searches).
  void expire_pages();
  /// Forgets them once `requests` more requests have been answered (expiry mid-pull).
  void expire_pages_after(size_t requests);
  /// After `skip` more requests, the next one is answered with this status and body instead
  /// (fault injection: 500, malformed JSON, …).
  void fail_next(int status, std::string body, size_t skip = 0,
                 std::string content_type = "application/fhir+json");

  net::HttpResponse handle(const net::HttpRequest& request);

  size_t requests() const;                      // Requests received.
  std::vector<std::string> targets() const;     // Their targets, in order.
  size_t count(const std::string& type) const;  // Current (not deleted) resources of a type.

 private:
  struct Version {
    int64_t version = 0;
    int64_t ms = 0;  // meta.lastUpdated, Unix ms.
    bool deleted = false;
    nlohmann::json resource;  // With meta.versionId / lastUpdated; null when deleted.
  };
  struct Ref {
    std::string type, id;
    size_t index;  // Into the versions.
  };
  struct Snapshot {
    std::string bundle_type;  // "searchset" or "history".
    std::vector<Ref> refs;
  };

  Status put_locked(nlohmann::json resource);
  Status remove_locked(const std::string& type, const std::string& id);
  bool authorized(const net::HttpRequest& request) const;
  net::HttpResponse route(const net::HttpRequest& request, const std::string& base);
  net::HttpResponse search(const std::string& type, const net::HttpRequest& request,
                           const std::string& base, bool history);
  net::HttpResponse page(const std::string& id, size_t offset, size_t count,
                         const std::string& base);
  nlohmann::json bundle(const Snapshot& s, size_t offset, size_t count, const std::string& base,
                        const std::string& self, const std::string& page_id) const;
  nlohmann::json entry(const Ref& r, bool history, const std::string& base) const;

  EmulatorOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, std::vector<Version>>> store_;
  std::map<std::string, Snapshot> pages_;
  uint64_t next_page_ = 1;
  std::vector<std::string> targets_;
  std::optional<net::HttpResponse> fault_;
  size_t fault_skip_ = 0;
  std::optional<size_t> expire_after_;
};

/// "2024-01-02T03:04:05.678+00:00" (HAPI's meta.lastUpdated form) of Unix ms.
std::string fhir_instant(int64_t ms);
/// Parses an instant, dateTime or date (a missing zone means UTC) to Unix ms.
std::optional<int64_t> parse_fhir_time(const std::string& text);

}  // namespace mhero::fhir_emulator
