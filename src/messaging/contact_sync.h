// Makes sure health workers exist as RapidPro contacts (RapidPro API v2 contacts.json) before a
// send. A worker matches a contact by fields.globalid = CSD entityID first, then by any of its
// urns. A missing contact is created; a contact whose name, urns (and their order: RapidPro sends
// on the first) or globalid differs is updated by uuid; a contact that already agrees costs no
// call. Groups are never sent, so a contact's existing groups are never replaced (a known fault
// of the old mHero mediator); a contact's urns of a scheme the registry gives the worker none of
// (e.g. a telegram: urn added in RapidPro) are kept, after the worker's own.
//
// The index of RapidPro's contacts is built by listing contacts.json (ceil(contacts / 250) calls)
// and then kept up to date by our own writes. A contact created in RapidPro afterwards is found
// through the "URN is in use" answer. With a store, the index is kept there (contact_index.h): a
// new ContactSync (a restarted process) loads it and lists only what changed since its cursor
// (`?after=`, and `?deleted=true&after=` for contacts deleted in RapidPro), and checkpoint()
// saves our own writes and moves the cursor past them (a crash before that is repaired by the
// next catch-up, which lists them again). Not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "integrations/rapidpro_client.h"
#include "messaging/contact_index.h"
#include "util/status.h"

namespace mhero {

struct ContactSpec {
  std::string entity_id;  // CSD entityID -> fields.globalid
  std::string name;       // Truncated to 64 characters (UTF-8 safe).
  /// The worker's urns, best first ("tel:+231770123456", "whatsapp:231770123456",
  /// "telegram:123456789"; registry ProviderRecord::urns): the contact's urns in this order.
  std::vector<std::string> urns;
};

class ContactSync {
 public:
  /// `store` (optional; must outlive this object): where the index is kept between processes.
  explicit ContactSync(RapidProClient& client, LogStore* store = nullptr);

  struct Outcome {
    std::vector<std::string> uuids;                            // Aligned with the input; "" = failed.
    std::vector<std::pair<std::string, std::string>> refused;  // (entityID, RapidPro's error).
  };
  /// Upserts `workers`. Per-worker 400s are returned in `refused`. Errors: unavailable (RapidPro
  /// unreachable / 5xx after retries), failed_precondition (401 and the like).
  Result<Outcome> ensure(const std::vector<ContactSpec>& workers);

  /// The contact with this uuid (from the index, else fetched). nullopt when RapidPro has none.
  Result<std::optional<ContactInfo>> contact(const std::string& uuid);

  /// With a store, after our own upserts: lists what changed since the cursor (our writes and
  /// anyone else's) and saves the cursor past them, so a restart lists only later changes.
  /// ceil(changed / 250) + 1 calls; none when nothing was upserted since the last one.
  /// Errors: as ensure(). A store that cannot be written is logged, never an error: the kept
  /// index stays at its last cursor and a restart catches up from there.
  Status checkpoint();

  /// Upserts made (creates + updates), for the benchmark.
  size_t upserts() const { return upserts_; }
  /// Drops the index (and the one kept in the store): the next ensure() lists RapidPro's
  /// contacts again. Called when RapidPro says a contact this index holds no longer exists
  /// (deleted there since it was listed).
  void forget_all();

 private:
  Status build_index();
  /// Lists contacts changed and deleted since after_ and saves them with the new cursor.
  Status catch_up();
  /// Saves the contacts remembered and forgotten since the last save (the cursor unchanged).
  void save_dirty();
  /// A failed write to the kept index stops keeping it in this process (logged); dispatch goes on.
  void keep(const Status& s);
  std::vector<ContactInfo> all_contacts() const;
  void note_modified(const nlohmann::json& j);
  void remember(const ContactInfo& c);
  void forget(const std::string& uuid);
  ContactInfo from_json(const nlohmann::json& j) const;
  /// One worker: returns the uuid, or the RapidPro error text in *refused.
  Result<std::string> upsert(const ContactSpec& w, std::string* refused);

  RapidProClient& client_;
  std::optional<ContactIndexStore> saved_;
  bool indexed_ = false;
  std::string after_;          // Cursor: newest modified_on listed ("" = none yet).
  std::string listed_newest_;  // Newest modified_on of the listing under way.
  std::vector<std::string> dirty_, removed_;  // Uuids remembered / forgotten since the last save.
  bool unsettled_ = false;     // Upserts since the last checkpoint.
  std::map<std::string, ContactInfo> by_uuid_;
  std::map<std::string, std::string> uuid_by_globalid_, uuid_by_urn_;
  size_t upserts_ = 0;
};

/// At most 64 characters (code points), never cutting a UTF-8 sequence.
std::string rapidpro_name(const std::string& name);

}  // namespace mhero
