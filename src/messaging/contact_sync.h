// Makes sure health workers exist as RapidPro contacts (RapidPro API v2 contacts.json) before a
// send. A worker matches a contact by fields.globalid = CSD entityID first, then by its `tel:`
// urn. A missing contact is created; a contact whose name, tel urn or globalid differs is
// updated by uuid; a contact that already agrees costs no call. Groups are never sent, so a
// contact's existing groups are never replaced (a known fault of the old mHero mediator); other
// urns (e.g. whatsapp:) are kept when the tel urn changes.
//
// The index of RapidPro's contacts is built once per ContactSync by listing contacts.json
// (ceil(contacts / 250) calls) and then kept up to date by our own writes. A contact created in
// RapidPro afterwards is found through the "URN is in use" answer. Not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "integrations/rapidpro_client.h"
#include "util/status.h"

namespace mhero {

struct ContactSpec {
  std::string entity_id;  // CSD entityID -> fields.globalid
  std::string name;       // Truncated to 64 characters (UTF-8 safe).
  std::string e164;       // "+231770123456" -> urn "tel:+231770123456"
};

struct ContactInfo {
  std::string uuid, name, globalid;
  std::vector<std::string> urns;
};

class ContactSync {
 public:
  explicit ContactSync(RapidProClient& client) : client_(client) {}

  struct Outcome {
    std::vector<std::string> uuids;                            // Aligned with the input; "" = failed.
    std::vector<std::pair<std::string, std::string>> refused;  // (entityID, RapidPro's error).
  };
  /// Upserts `workers`. Per-worker 400s are returned in `refused`. Errors: unavailable (RapidPro
  /// unreachable / 5xx after retries), failed_precondition (401 and the like).
  Result<Outcome> ensure(const std::vector<ContactSpec>& workers);

  /// The contact with this uuid (from the index, else fetched). nullopt when RapidPro has none.
  Result<std::optional<ContactInfo>> contact(const std::string& uuid);

  /// Upserts made (creates + updates), for the benchmark.
  size_t upserts() const { return upserts_; }
  /// Drops the index: the next ensure() lists RapidPro's contacts again. Called when RapidPro
  /// says a contact this index holds no longer exists (deleted there since it was listed).
  void forget_all();

 private:
  Status build_index();
  void remember(const ContactInfo& c);
  ContactInfo from_json(const nlohmann::json& j) const;
  /// One worker: returns the uuid, or the RapidPro error text in *refused.
  Result<std::string> upsert(const ContactSpec& w, std::string* refused);

  RapidProClient& client_;
  bool indexed_ = false;
  std::map<std::string, ContactInfo> by_uuid_;
  std::map<std::string, std::string> uuid_by_globalid_, uuid_by_urn_;
  size_t upserts_ = 0;
};

/// At most 64 characters (code points), never cutting a UTF-8 sequence.
std::string rapidpro_name(const std::string& name);

}  // namespace mhero
